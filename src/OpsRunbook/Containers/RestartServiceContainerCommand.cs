using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Containers
{
    /// <summary>Restarts containers (docker compose restart): a graceful stop, then a start.</summary>
    [Cmdlet(VerbsLifecycle.Restart, "ServiceContainer", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ServiceContainer))]
    public sealed class RestartServiceContainerCommand : ContainerActionCommandBase
    {
        /// <summary>Seconds between SIGTERM and SIGKILL while stopping.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int TimeoutSec { get; set; } = 10;

        internal override string Action => $"Restart container (SIGTERM, SIGKILL after {TimeoutSec} s)";

        internal override Task<ContainerActionOutcome> ActAsync(ContainerLifecycle lifecycle, string container, IOperationReporter reporter, CancellationToken cancellationToken) =>
            lifecycle.RestartAsync(container, TimeSpan.FromSeconds(TimeoutSec), reporter, cancellationToken);
    }
}
