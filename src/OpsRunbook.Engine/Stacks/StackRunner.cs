using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Health;

namespace OpsRunbook.Engine.Stacks
{
    /// <summary>
    /// The runbooks' startup and shutdown procedures in one: start the data tier, wait until it is ready,
    /// then what depends on it; stop the entry services first with time to drain, then the rest backwards.
    /// </summary>
    public sealed class StackRunner
    {
        private readonly ContainerLifecycle _lifecycle;
        private readonly ContainerReadiness _readiness;

        public StackRunner(DockerConnection docker, HealthChecker checker)
        {
            _lifecycle = new ContainerLifecycle(docker);
            _readiness = new ContainerReadiness(docker, checker);
        }

        /// <summary>
        /// Starts level by level and writes each step as it ends. When a service does not become ready, the
        /// level finishes, nothing after it starts, and ServiceNotHealthy names the service and why.
        /// </summary>
        public async IAsyncEnumerable<StackStep> StartAsync(StackPlan plan, TimeSpan readyTimeout, IOperationReporter reporter,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var total = plan.Services.Count();
            var done = 0;
            for (var index = 0; index < plan.Levels.Count; index++)
            {
                var level = plan.Levels[index];
                reporter.Progress(new OperationProgress($"Starting {plan.Stack}",
                    $"Step {index + 1} of {plan.Levels.Count}: {string.Join(", ", level.Select(s => s.Name))}", done * 100 / total));
                var failures = new List<StackStep>();
                await foreach (var step in RunLevel(level, s => StartServiceAsync(s, readyTimeout, reporter, cancellationToken), cancellationToken).ConfigureAwait(false))
                {
                    if (step.Result == StackStepResult.Failed)
                    {
                        failures.Add(step);
                    }

                    yield return step;
                }

                done += level.Count;
                if (failures.Count > 0)
                {
                    reporter.Progress(new OperationProgress($"Starting {plan.Stack}", "Failed", 100, Completed: true));
                    var notStarted = plan.Levels.Skip(index + 1).SelectMany(l => l).Select(s => s.Name).ToList();
                    throw new OpsRunbookException(HealthErrors.ServiceNotHealthy, FailureCategory.ResourceUnavailable,
                        $"{string.Join("; ", failures.Select(f => $"{f.Service} did not become ready: {f.Detail}"))}." +
                        (notStarted.Count > 0 ? $" Not started: {string.Join(", ", notStarted)}." : string.Empty),
                        string.Join(", ", failures.Select(f => f.Service)),
                        "Look at the service named (Get-ServiceLog, Get-ServiceContainer), fix it, and run Start-ServiceStack again.");
                }
            }

            reporter.Progress(new OperationProgress($"Starting {plan.Stack}", "Done", 100, Completed: true));
        }

        /// <summary>Stops the last level first, giving it <paramref name="drain"/> to finish in-flight work; the rest get <paramref name="gracePeriod"/>.</summary>
        public async IAsyncEnumerable<StackStep> StopAsync(StackPlan plan, TimeSpan drain, TimeSpan gracePeriod, IOperationReporter reporter,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var levels = plan.Levels.Reverse().ToList();
            for (var index = 0; index < levels.Count; index++)
            {
                var grace = index == 0 ? drain : gracePeriod;
                reporter.Progress(new OperationProgress($"Stopping {plan.Stack}",
                    $"Step {index + 1} of {levels.Count}: {string.Join(", ", levels[index].Select(s => s.Name))}", index * 100 / levels.Count));
                await foreach (var step in RunLevel(levels[index], s => StopServiceAsync(s, grace, reporter, cancellationToken), cancellationToken).ConfigureAwait(false))
                {
                    yield return step;
                }
            }

            reporter.Progress(new OperationProgress($"Stopping {plan.Stack}", "Done", 100, Completed: true));
        }

        // The services of a level run together; their steps come out as they finish.
        private static async IAsyncEnumerable<StackStep> RunLevel(IReadOnlyList<StackService> level,
            Func<StackService, IAsyncEnumerable<StackStep>> run, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var steps = Channel.CreateUnbounded<StackStep>();
            var workers = level.Select(async service =>
            {
                await foreach (var step in run(service).ConfigureAwait(false))
                {
                    steps.Writer.TryWrite(step);
                }
            }).ToList();
            var all = Task.WhenAll(workers);
            _ = all.ContinueWith(t => steps.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);
            await foreach (var step in steps.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return step;
            }

            await all.ConfigureAwait(false);
        }

        private async IAsyncEnumerable<StackStep> StartServiceAsync(StackService service, TimeSpan readyTimeout, IOperationReporter reporter,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var container in service.Containers)
            {
                var outcome = await _lifecycle.StartAsync(container, reporter, cancellationToken).ConfigureAwait(false);
                yield return new StackStep(service.Name, StackAction.Start, outcome.Changed ? StackStepResult.Done : StackStepResult.Unchanged, outcome.Duration)
                {
                    Container = outcome.Container.Name,
                    Detail = outcome.Changed ? "started" : "was running",
                };
            }

            var containers = service.Containers.Count == 0 ? new string?[] { null } : service.Containers.Cast<string?>();
            foreach (var container in containers)
            {
                var ready = await _readiness.WaitAsync(container, service.Probe, readyTimeout, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"{service.Name}: {ready.Detail}.");
                yield return new StackStep(service.Name, StackAction.Wait, ready.Ready ? StackStepResult.Done : StackStepResult.Failed, ready.Duration)
                {
                    Container = container,
                    Detail = ready.Detail,
                };
            }
        }

        private async IAsyncEnumerable<StackStep> StopServiceAsync(StackService service, TimeSpan grace, IOperationReporter reporter,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var container in service.Containers)
            {
                var outcome = await _lifecycle.StopAsync(container, grace, reporter, cancellationToken).ConfigureAwait(false);
                var result = !outcome.Changed ? StackStepResult.Unchanged : outcome.Killed ? StackStepResult.Killed : StackStepResult.Done;
                yield return new StackStep(service.Name, StackAction.Stop, result, outcome.Duration)
                {
                    Container = outcome.Container.Name,
                    Detail = result switch
                    {
                        StackStepResult.Unchanged => "was not running",
                        StackStepResult.Killed => $"killed after {grace.TotalSeconds:0.#} s without stopping",
                        _ => $"stopped (exit code {outcome.Container.ExitCode})",
                    },
                };
            }
        }
    }
}
