using System;
using System.Collections.Generic;

namespace OpsRunbook.Engine.Health
{
    /// <summary>What one probe found, before timing and naming turn it into a ServiceHealth.</summary>
    internal sealed class ProbeOutcome
    {
        public ProbeOutcome(HealthStatus status, string? error = null)
        {
            Status = status;
            Error = error;
        }

        public HealthStatus Status { get; }

        public string? Error { get; }

        public IReadOnlyList<HealthComponent> Components { get; init; } = Array.Empty<HealthComponent>();

        public string? Version { get; init; }

        public IReadOnlyList<KeyValuePair<string, object?>> Details { get; init; } = Array.Empty<KeyValuePair<string, object?>>();

        public static ProbeOutcome Healthy() => new(HealthStatus.Healthy);
    }
}
