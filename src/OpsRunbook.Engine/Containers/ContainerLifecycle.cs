using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>What starting, stopping or restarting one container did.</summary>
    /// <param name="Changed">False when it was already in the state asked for.</param>
    /// <param name="Killed">It did not stop within its time: Docker sent SIGKILL.</param>
    public sealed record ContainerActionOutcome(ServiceContainer Container, bool Changed, bool Killed, TimeSpan Duration);

    /// <summary>
    /// Start, stop and restart, as `docker compose start/stop/restart` do them: stop sends SIGTERM, waits
    /// the grace time, then SIGKILL; a kill is reported, not hidden.
    /// </summary>
    public sealed class ContainerLifecycle
    {
        private readonly DockerConnection _docker;
        private readonly ContainerCatalog _catalog;

        public ContainerLifecycle(DockerConnection docker)
        {
            _docker = docker;
            _catalog = new ContainerCatalog(docker);
        }

        public async Task<ContainerActionOutcome> StartAsync(string container, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var started = await _docker.CallAsync((c, t) => c.Containers.StartContainerAsync(container, new ContainerStartParameters(), t), container, cancellationToken).ConfigureAwait(false);
            reporter.Verbose(started ? $"Started {container}." : $"{container} was running already.");
            return new ContainerActionOutcome(await _catalog.GetAsync(container, cancellationToken).ConfigureAwait(false), started, false, clock.Elapsed);
        }

        public async Task<ContainerActionOutcome> StopAsync(string container, TimeSpan gracePeriod, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var before = await _catalog.GetAsync(container, cancellationToken).ConfigureAwait(false);
            if (before.State is not (ContainerState.Running or ContainerState.Restarting or ContainerState.Paused))
            {
                reporter.Verbose($"{container} was not running.");
                return new ContainerActionOutcome(before, false, false, clock.Elapsed);
            }

            reporter.Verbose($"Stopping {container}: SIGTERM, then SIGKILL after {gracePeriod.TotalSeconds:0.#} s.");
            var parameters = new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(gracePeriod.TotalSeconds) };
            await _docker.CallAsync((c, t) => c.Containers.StopContainerAsync(container, parameters, t), container, cancellationToken).ConfigureAwait(false);
            var after = await _catalog.GetAsync(container, cancellationToken).ConfigureAwait(false);

            // 137 is 128 + SIGKILL: the container outlived its grace time.
            var killed = after.ExitCode == 137 && clock.Elapsed >= gracePeriod;
            if (killed)
            {
                reporter.Warning($"{container} did not stop within {gracePeriod.TotalSeconds:0.#} s of SIGTERM and was killed.");
            }

            return new ContainerActionOutcome(after, true, killed, clock.Elapsed);
        }

        /// <summary>Stop (reporting a kill) then start, as `docker restart` does.</summary>
        public async Task<ContainerActionOutcome> RestartAsync(string container, TimeSpan gracePeriod, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var stopped = await StopAsync(container, gracePeriod, reporter, cancellationToken).ConfigureAwait(false);
            var started = await StartAsync(container, reporter, cancellationToken).ConfigureAwait(false);
            return started with { Changed = true, Killed = stopped.Killed, Duration = clock.Elapsed };
        }
    }
}
