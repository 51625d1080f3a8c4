using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Health
{
    /// <summary>
    /// Replaces "sleep 15; pg_isready": probes until every target is ready, backing off between rounds,
    /// and gives up at a deadline with the services still failing and why.
    /// </summary>
    public sealed class HealthWaiter
    {
        public static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(250);
        public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(5);

        private readonly HealthChecker _checker;

        public HealthWaiter(HealthChecker checker, TimeSpan timeout, bool allowDegraded)
        {
            _checker = checker;
            Timeout = timeout > TimeSpan.Zero ? timeout : throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive.");
            AllowDegraded = allowDegraded;
        }

        public TimeSpan Timeout { get; }

        public bool AllowDegraded { get; }

        public async Task<HealthWaitResult> WaitAsync(IReadOnlyList<ProbeTarget> targets, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var latest = new Dictionary<ProbeTarget, ServiceHealth>();
            var pending = targets.ToList();
            var interval = FirstInterval;
            var round = 0;
            var activity = $"Waiting for {targets.Count} service{(targets.Count == 1 ? string.Empty : "s")} to be {(AllowDegraded ? "healthy or degraded" : "healthy")}";

            while (true)
            {
                round++;
                var remaining = Timeout - clock.Elapsed;
                var probeTimeout = remaining < _checker.Timeout ? remaining : _checker.Timeout;
                var checker = new HealthChecker(probeTimeout > TimeSpan.FromMilliseconds(50) ? probeTimeout : TimeSpan.FromMilliseconds(50), _checker.ThrottleLimit);
                // A round the deadline left short of a probe's usual time may time out on its own account:
                // that says less about the service than its last full answer, so keep that one.
                var cutShort = checker.Timeout < _checker.Timeout ? ConnectionFailure.Describe(new TimeoutException(), checker.Timeout, timedOut: true) : null;
                await foreach (var result in checker.CheckAsync(pending, OperationReporter.None, cancellationToken).ConfigureAwait(false))
                {
                    var target = (ProbeTarget)result.Probe!;
                    if (cutShort is null || result.Error != cutShort || !latest.ContainsKey(target))
                    {
                        latest[target] = result;
                    }
                }

                pending = pending.Where(t => !IsReady(latest[t])).ToList();
                var ready = targets.Count - pending.Count;
                reporter.Verbose($"Round {round} after {clock.Elapsed.TotalSeconds:0.0} s: {ready} of {targets.Count} ready" +
                    (pending.Count == 0 ? "." : $"; waiting for {Describe(pending, latest)}."));
                if (pending.Count == 0 || clock.Elapsed >= Timeout)
                {
                    break;
                }

                var percent = (int)Math.Min(99, clock.Elapsed.TotalMilliseconds * 100 / Timeout.TotalMilliseconds);
                reporter.Progress(new OperationProgress(activity, $"{ready} of {targets.Count} ready; waiting for {Describe(pending, latest)}", percent));
                var pause = interval < Timeout - clock.Elapsed ? interval : Timeout - clock.Elapsed;
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                }

                interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxInterval.Ticks));
            }

            reporter.Progress(new OperationProgress(activity, "Done", 100, Completed: true));
            return new HealthWaitResult(targets.Select(t => latest[t]).ToArray(), pending.Select(t => latest[t]).ToArray(), clock.Elapsed, round, Timeout);
        }

        private bool IsReady(ServiceHealth health) =>
            health.Status == HealthStatus.Healthy || (AllowDegraded && health.Status == HealthStatus.Degraded);

        private static string Describe(IEnumerable<ProbeTarget> pending, IReadOnlyDictionary<ProbeTarget, ServiceHealth> latest) =>
            string.Join(", ", pending.Select(t => $"{t.Name} ({latest[t].Status}: {latest[t].Error})"));
    }

    /// <summary>The last result of every target, and those that never became ready.</summary>
    public sealed record HealthWaitResult(ServiceHealth[] Results, ServiceHealth[] NotReady, TimeSpan Elapsed, int Rounds, TimeSpan Timeout)
    {
        public bool Succeeded => NotReady.Length == 0;

        public OpsRunbookException ToException()
        {
            var names = string.Join(", ", NotReady.Select(h => h.Name));
            var why = string.Join("; ", NotReady.Select(h => $"{h.Name} is {h.Status}: {h.Error}"));
            return new OpsRunbookException(
                HealthErrors.ServiceNotHealthy,
                FailureCategory.OperationTimeout,
                $"{NotReady.Length} of {Results.Length} services were not ready after {Timeout.TotalSeconds:0.#} s ({Rounds} rounds): {why}.",
                names,
                "Look at the services named, or wait longer with a larger -TimeoutSec.");
        }
    }
}
