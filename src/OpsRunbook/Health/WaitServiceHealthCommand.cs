using System;
using System.Management.Automation;
using OpsRunbook.Engine.Health;

namespace OpsRunbook.Health
{
    /// <summary>Waits until every target is healthy, then writes their final ServiceHealth.</summary>
    [Cmdlet(VerbsLifecycle.Wait, "ServiceHealth", DefaultParameterSetName = TargetSet)]
    [OutputType(typeof(ServiceHealth))]
    public sealed class WaitServiceHealthCommand : ServiceTargetCommandBase
    {
        /// <summary>How long to wait for all of them, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 120;

        /// <summary>The budget of one probe, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int ProbeTimeoutSec { get; set; } = 5;

        /// <summary>Count Degraded as ready.</summary>
        [Parameter]
        public SwitchParameter AllowDegraded { get; set; }

        protected override void EndProcessing()
        {
            if (Targets.Count == 0)
            {
                return;
            }

            var waiter = new HealthWaiter(
                new HealthChecker(TimeSpan.FromSeconds(ProbeTimeoutSec), ThrottleLimit),
                TimeSpan.FromSeconds(TimeoutSec),
                AllowDegraded.IsPresent);
            HealthWaitResult? outcome = null;
            RunEngine(async (reporter, pump, cancellationToken) =>
                outcome = await waiter.WaitAsync(Targets, reporter, cancellationToken).ConfigureAwait(false));

            WriteObject(outcome!.Results, enumerateCollection: true);
            if (!outcome.Succeeded)
            {
                WriteFailure(outcome.ToException());
            }
        }
    }
}
