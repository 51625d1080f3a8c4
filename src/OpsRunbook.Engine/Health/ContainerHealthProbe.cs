using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Engine.Health
{
    /// <summary>
    /// A container as a service: Healthy when running with a passing (or no) HEALTHCHECK; Degraded while its
    /// check is starting, while it restarts, or when it restarted within the restart window; Unhealthy when
    /// exited, dead, paused or failing its check.
    /// </summary>
    internal sealed class ContainerHealthProbe : HealthProbe
    {
        public static readonly TimeSpan DefaultRestartWindow = TimeSpan.FromMinutes(10);

        private readonly string _container;
        private readonly string? _dockerHost;
        private readonly TimeSpan _restartWindow;
        private readonly Func<string, string?> _environment;

        public ContainerHealthProbe(string container, string? dockerHost, TimeSpan restartWindow, Func<string, string?> environment)
        {
            _container = container;
            _dockerHost = dockerHost;
            _restartWindow = restartWindow;
            _environment = environment;
        }

        public override ServiceKind Kind => ServiceKind.Container;

        public override string DisplayTarget => "container://" + _container;

        public override string DefaultName => _container;

        public override IEnumerable<string?> Secrets => Enumerable.Empty<string?>();

        /// <summary>"container://api-1" or a bare name.</summary>
        public static string ContainerName(string target) =>
            target.StartsWith("container://", StringComparison.OrdinalIgnoreCase) ? target["container://".Length..].Trim('/') : target;

        public override async Task<ProbeOutcome> ProbeAsync(ProbeContext context, CancellationToken cancellationToken)
        {
            using var docker = DockerConnection.Open(_dockerHost, _environment);
            var container = await new ContainerCatalog(docker).GetAsync(_container, cancellationToken).ConfigureAwait(false);
            return Judge(container, _restartWindow, DateTimeOffset.UtcNow);
        }

        internal static ProbeOutcome Judge(ServiceContainer container, TimeSpan restartWindow, DateTimeOffset now)
        {
            var (status, error) = container switch
            {
                { State: ContainerState.Running, Health: ContainerHealthStatus.Unhealthy } =>
                    (HealthStatus.Unhealthy, $"health check failing: {container.HealthOutput}"),
                { State: ContainerState.Running, Health: ContainerHealthStatus.Starting } =>
                    (HealthStatus.Degraded, "health check has not passed yet"),
                { State: ContainerState.Running, RestartCount: > 0 } when container.StartedAt is { } started && now - started < restartWindow =>
                    (HealthStatus.Degraded, $"restarted {container.RestartCount} times, last {(now - started).TotalMinutes:0.#} min ago"),
                { State: ContainerState.Running } => (HealthStatus.Healthy, (string?)null),
                { State: ContainerState.Restarting } => (HealthStatus.Degraded, $"restarting (restarted {container.RestartCount} times)"),
                { State: ContainerState.Exited or ContainerState.Dead } => (HealthStatus.Unhealthy, $"{container.State.ToString().ToLowerInvariant()} with code {container.ExitCode}"),
                _ => (HealthStatus.Unhealthy, container.State.ToString().ToLowerInvariant()),
            };

            return new ProbeOutcome(status, error)
            {
                Details = new[]
                {
                    new KeyValuePair<string, object?>("State", container.State),
                    new KeyValuePair<string, object?>("Health", container.Health),
                    new KeyValuePair<string, object?>("RestartCount", container.RestartCount),
                    new KeyValuePair<string, object?>("StartedAt", container.StartedAt),
                    new KeyValuePair<string, object?>("Image", container.Image),
                    new KeyValuePair<string, object?>("Id", container.Id),
                },
            };
        }
    }
}
