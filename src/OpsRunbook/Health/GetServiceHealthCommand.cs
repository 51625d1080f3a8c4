using System;
using System.Management.Automation;
using System.Threading.Tasks;
using OpsRunbook.Engine.Health;

namespace OpsRunbook.Health
{
    /// <summary>Probes services concurrently and writes one ServiceHealth per target as each completes.</summary>
    [Cmdlet(VerbsCommon.Get, "ServiceHealth", DefaultParameterSetName = TargetSet)]
    [OutputType(typeof(ServiceHealth))]
    public sealed class GetServiceHealthCommand : ServiceTargetCommandBase
    {
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 5;

        protected override void EndProcessing()
        {
            if (Targets.Count == 0)
            {
                return;
            }

            var checker = new HealthChecker(TimeSpan.FromSeconds(TimeoutSec), ThrottleLimit);
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                await foreach (var result in checker.CheckAsync(Targets, reporter, cancellationToken).ConfigureAwait(false))
                {
                    pump.Post(() => WriteObject(result));
                }
            });
        }
    }
}
