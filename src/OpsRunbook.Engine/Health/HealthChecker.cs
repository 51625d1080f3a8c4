using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Health
{
    /// <summary>
    /// Probes many targets at once, at most <see cref="ThrottleLimit"/> at a time, and hands back each
    /// result as it completes. Every probe ends within its timeout; a failure is a result, never a throw.
    /// </summary>
    public sealed class HealthChecker
    {
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

        public HealthChecker(TimeSpan timeout, int throttleLimit)
        {
            if (timeout <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive.");
            }

            if (throttleLimit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(throttleLimit), throttleLimit, "The throttle limit must be at least 1.");
            }

            Timeout = timeout;
            ThrottleLimit = throttleLimit;
        }

        public TimeSpan Timeout { get; }

        public int ThrottleLimit { get; }

        public async IAsyncEnumerable<ServiceHealth> CheckAsync(
            IReadOnlyList<ProbeTarget> targets,
            IOperationReporter reporter,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var activity = targets.Count == 1 ? $"Probing {targets[0].Name}" : $"Probing {targets.Count} services";
            var done = 0;
            await foreach (var probed in FanOut.RunAsync(targets, ThrottleLimit, FanOutOrder.AsCompleted, (target, token) =>
            {
                if (reporter.IsVerbose)
                {
                    reporter.Verbose($"Probing {target}.");
                }

                return CheckOneAsync(target, token);
            }, cancellationToken).ConfigureAwait(false))
            {
                // A probe's failure is its result: CheckOneAsync throws only when cancelled.
                var result = probed.Outcome.Result!;
                done++;
                if (reporter.IsVerbose)
                {
                    reporter.Verbose($"{result.Name}: {result.Status} in {result.LatencyMs:0.#} ms{(result.Error is null ? string.Empty : " - " + result.Error)}");
                }

                reporter.Progress(new OperationProgress(activity, $"{done} of {targets.Count} done", done * 100 / Math.Max(1, targets.Count)));
                yield return result;
            }

            reporter.Progress(new OperationProgress(activity, "Done", 100, Completed: true));
        }

        /// <summary>Probes one target within its timeout. Only the caller's cancellation throws.</summary>
        public async Task<ServiceHealth> CheckOneAsync(ProbeTarget target, CancellationToken cancellationToken)
        {
            var timeout = target.Timeout ?? Timeout;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var clock = Stopwatch.StartNew();
            ProbeOutcome outcome;
            try
            {
                // The probe's own task may ignore the token (a hung driver call): the deadline does not wait for it.
                outcome = await target.Probe.ProbeAsync(new ProbeContext(timeout), deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                var timedOut = deadline.IsCancellationRequested || ex is TimeoutException;
                outcome = new ProbeOutcome(HealthStatus.Unhealthy, ConnectionFailure.Describe(ex, timeout, timedOut));
            }

            clock.Stop();
            return ToServiceHealth(target, outcome, clock.Elapsed);
        }

        private static ServiceHealth ToServiceHealth(ProbeTarget target, ProbeOutcome outcome, TimeSpan elapsed)
        {
            var details = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in outcome.Details)
            {
                details[key] = value;
            }

            string? Redact(string? text) => text is null ? null : SecretRedactor.Redact(text, target.Probe.Secrets);
            return new ServiceHealth(target.Name, target.Kind, target.DisplayTarget)
            {
                Status = outcome.Status,
                LatencyMs = Math.Round(elapsed.TotalMilliseconds, 3),
                Error = Redact(outcome.Error),
                Components = outcome.Components
                    .Select(c => new HealthComponent(c.Name, c.Status, c.ReportedStatus, c.LatencyMs, Redact(c.Error)))
                    .ToArray(),
                Version = outcome.Version,
                Details = details.AsReadOnly(),
                DependsOn = target.DependsOn,
                Tags = target.Tags,
                CheckedAt = DateTimeOffset.Now,
                Probe = target,
            };
        }
    }
}
