using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Containers
{
    /// <summary>One sample of CPU, memory, network and block I/O per running container (docker stats --no-stream).</summary>
    [Cmdlet(VerbsCommon.Get, "ServiceContainerStat", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ContainerStat))]
    public sealed class GetServiceContainerStatCommand : ContainerCommandBase
    {
        protected override bool IncludeStopped => false;

        protected override void ProcessRecord()
        {
            var running = Resolve().Where(c => c.State == ContainerState.Running).ToList();
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                using var docker = DockerConnection.Open(EffectiveDockerHost, Environment);
                var reader = new ContainerStatsReader(docker);
                reporter.Verbose($"Sampling {running.Count} containers (about a second).");
                // All samples at once: each takes the daemon a second.
                var samples = running.Select(async c =>
                {
                    var stat = await reader.SampleAsync(c, cancellationToken).ConfigureAwait(false);
                    pump.Post(() => WriteObject(stat));
                });
                await Task.WhenAll(samples).ConfigureAwait(false);
            });
        }
    }
}
