using System;
using System.Collections.Specialized;

namespace OpsRunbook
{
    /// <summary>The result of probing one service. A service that is down is a result, not an error.</summary>
    public sealed class ServiceHealth
    {
        private static readonly HealthComponent[] NoComponents = Array.Empty<HealthComponent>();

        public ServiceHealth(string name, ServiceKind kind, string target)
        {
            Name = name;
            Kind = kind;
            Target = target;
        }

        public string Name { get; }

        public ServiceKind Kind { get; }

        /// <summary>What was probed, with any password removed.</summary>
        public string Target { get; }

        public HealthStatus Status { get; init; }

        /// <summary>Round-trip time of the probe in milliseconds (to the failure, when it failed).</summary>
        public double LatencyMs { get; init; }

        /// <summary>Why the service is Degraded or Unhealthy; null when Healthy.</summary>
        public string? Error { get; init; }

        /// <summary>Dependencies the service reported about itself (Http readiness documents).</summary>
        public HealthComponent[] Components { get; init; } = NoComponents;

        /// <summary>Version the service reported: PostgreSQL or Redis server version, or "version" of a readiness document.</summary>
        public string? Version { get; init; }

        /// <summary>Kind-specific facts: StatusCode, ConnectionsInUse, MaxConnections, UsedMemoryBytes, DaysUntilExpiry, ...</summary>
        public OrderedDictionary Details { get; init; } = new OrderedDictionary().AsReadOnly();

        public string[] DependsOn { get; init; } = Array.Empty<string>();

        public string[] Tags { get; init; } = Array.Empty<string>();

        public DateTimeOffset CheckedAt { get; init; }

        /// <summary>
        /// The probe definition this result came from, secrets included, so Wait-ServiceHealth can probe
        /// again from piped results. Internal: PowerShell never shows, formats or serializes it.
        /// </summary>
        internal object? Probe { get; init; }

        public override string ToString() =>
            Error is null
                ? $"{Name}: {Status} ({LatencyMs:0.#} ms)"
                : $"{Name}: {Status} ({Error})";
    }
}
