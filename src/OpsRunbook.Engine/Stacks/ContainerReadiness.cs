using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Health;

namespace OpsRunbook.Engine.Stacks
{
    /// <summary>Whether a started service is ready, and if it never will be, why.</summary>
    public sealed record ReadinessOutcome(bool Ready, string Detail, TimeSpan Duration);

    /// <summary>
    /// Waits for a started container to be ready: its HEALTHCHECK healthy (or running at two looks in a row, when it
    /// has none), and the service's own probe healthy when one is given. Gives up at once when the container exits or
    /// its health check reports unhealthy, and at the deadline otherwise.
    /// </summary>
    public sealed class ContainerReadiness
    {
        private readonly ContainerCatalog _catalog;
        private readonly HealthChecker _checker;

        public ContainerReadiness(DockerConnection docker, HealthChecker checker)
        {
            _catalog = new ContainerCatalog(docker);
            _checker = checker;
        }

        public async Task<ReadinessOutcome> WaitAsync(string? container, ProbeTarget? probe, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var pause = HealthWaiter.FirstInterval;
            var hasHealthCheck = false;
            var runningBefore = false;
            while (true)
            {
                var why = string.Empty;
                if (container is not null)
                {
                    var state = await _catalog.GetAsync(container, cancellationToken).ConfigureAwait(false);
                    if (state.State is ContainerState.Exited or ContainerState.Dead)
                    {
                        return new ReadinessOutcome(false, $"{state.Name} exited with code {state.ExitCode}; Get-ServiceLog -Name {state.Name} shows why", clock.Elapsed);
                    }

                    if (state.Health == ContainerHealthStatus.Unhealthy)
                    {
                        return new ReadinessOutcome(false, $"{state.Name}'s health check fails: {state.HealthOutput}", clock.Elapsed);
                    }

                    hasHealthCheck = state.Health != ContainerHealthStatus.None;
                    // Without a health check, running is all there is to go on: seen twice, one pause apart, so a
                    // process that dies as it starts is not called ready in the moment before docker notices.
                    why = state.State != ContainerState.Running ? $"{state.Name} is {state.State}"
                        : state.Health == ContainerHealthStatus.Starting ? $"{state.Name}'s health check has not passed yet"
                        : !hasHealthCheck && !runningBefore ? $"{state.Name} has just started"
                        : string.Empty;
                    runningBefore = state.State == ContainerState.Running;
                }

                if (why.Length == 0 && probe is not null)
                {
                    var health = await _checker.CheckOneAsync(probe, cancellationToken).ConfigureAwait(false);
                    why = health.Status == HealthStatus.Healthy ? string.Empty : $"{probe.Name} is {health.Status}: {health.Error}";
                }

                if (why.Length == 0)
                {
                    var how = container is null ? "healthy"
                        : probe is not null ? "running, and its probe healthy"
                        : hasHealthCheck ? "running, health check passing" : "running (it has no health check)";
                    return new ReadinessOutcome(true, $"{how} after {clock.Elapsed.TotalSeconds:0.0} s", clock.Elapsed);
                }

                if (clock.Elapsed >= timeout)
                {
                    return new ReadinessOutcome(false, $"not ready after {timeout.TotalSeconds:0.#} s: {why}", clock.Elapsed);
                }

                var left = timeout - clock.Elapsed;
                await Task.Delay(pause < left ? pause : left, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
        }
    }
}
