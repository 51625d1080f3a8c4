using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Containers
{
    /// <summary>Starts containers (docker compose start).</summary>
    [Cmdlet(VerbsLifecycle.Start, "ServiceContainer", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ServiceContainer))]
    public sealed class StartServiceContainerCommand : ContainerActionCommandBase
    {
        internal override string Action => "Start container";

        internal override Task<ContainerActionOutcome> ActAsync(ContainerLifecycle lifecycle, string container, IOperationReporter reporter, CancellationToken cancellationToken) =>
            lifecycle.StartAsync(container, reporter, cancellationToken);
    }
}
