using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Containers
{
    /// <summary>Stops containers gracefully (docker compose stop): SIGTERM, then SIGKILL after -TimeoutSec.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "ServiceContainer", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ServiceContainer))]
    public sealed class StopServiceContainerCommand : ContainerActionCommandBase
    {
        /// <summary>Seconds between SIGTERM and SIGKILL.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int TimeoutSec { get; set; } = 10;

        protected override bool IncludeStopped => false;

        internal override string Action => $"Stop container (SIGTERM, SIGKILL after {TimeoutSec} s)";

        internal override Task<ContainerActionOutcome> ActAsync(ContainerLifecycle lifecycle, string container, IOperationReporter reporter, CancellationToken cancellationToken) =>
            lifecycle.StopAsync(container, TimeSpan.FromSeconds(TimeoutSec), reporter, cancellationToken);
    }
}
