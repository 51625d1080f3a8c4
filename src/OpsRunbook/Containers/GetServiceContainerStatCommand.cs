using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Containers
{
    /// <summary>One sample of CPU, memory, network and block I/O per running container (docker stats --no-stream).</summary>
    [Cmdlet(VerbsCommon.Get, "ServiceContainerStat", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ContainerStat))]
    public sealed class GetServiceContainerStatCommand : ContainerCommandBase
    {
        protected override bool IncludeStopped => false;

        /// <summary>At most this many containers are sampled at once (each sample takes the daemon about a second).</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 64;

        protected override void ProcessRecord()
        {
            var running = Resolve().Where(c => c.State == ContainerState.Running).ToList();
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                using var docker = DockerConnection.Open(EffectiveDockerHost, Environment);
                var reader = new ContainerStatsReader(docker);
                reporter.Verbose($"Sampling {running.Count} containers (about a second).");
                // The samples at once, each written as it is taken: each takes the daemon a second.
                await foreach (var sample in FanOut.RunAsync(running, ThrottleLimit, FanOutOrder.AsCompleted, reader.SampleAsync, cancellationToken).ConfigureAwait(false))
                {
                    if (sample.Outcome.Failure is { } failure)
                    {
                        pump.Post(() => WriteFailure(failure));
                    }
                    else
                    {
                        pump.Post(() => WriteObject(sample.Outcome.Result));
                    }
                }
            });
        }
    }
}
