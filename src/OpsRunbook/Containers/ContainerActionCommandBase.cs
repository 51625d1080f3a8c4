using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Containers
{
    /// <summary>Start, stop and restart: resolve the containers, confirm each, act, and with -PassThru write it afterwards.</summary>
    public abstract class ContainerActionCommandBase : ContainerCommandBase
    {
        /// <summary>Write each container as it is afterwards.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>What ShouldProcess shows: "Stop container (SIGTERM, SIGKILL after 10 s)".</summary>
        internal abstract string Action { get; }

        internal abstract Task<ContainerActionOutcome> ActAsync(ContainerLifecycle lifecycle, string container, IOperationReporter reporter, CancellationToken cancellationToken);

        protected override void ProcessRecord()
        {
            foreach (var container in Resolve())
            {
                if (!ShouldProcess($"{container.Name} ({container.State})", Action))
                {
                    continue;
                }

                RunEngine(async (reporter, pump, cancellationToken) =>
                {
                    using var docker = DockerConnection.Open(container.DockerHost, Environment);
                    var outcome = await ActAsync(new ContainerLifecycle(docker), container.Name, reporter, cancellationToken).ConfigureAwait(false);
                    if (PassThru)
                    {
                        pump.Post(() => WriteObject(outcome.Container));
                    }
                });
            }
        }
    }
}
