using System;
using System.Linq;
using System.Management.Automation;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Containers
{
    /// <summary>Lists containers as `docker compose ps` does: a project's, a service's, or by name.</summary>
    [Cmdlet(VerbsCommon.Get, "ServiceContainer")]
    [OutputType(typeof(ServiceContainer))]
    public sealed class GetServiceContainerCommand : OpsRunbookCmdlet
    {
        /// <summary>Container names; wildcards allowed.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("ContainerName")]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Project { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] Service { get; set; } = Array.Empty<string>();

        /// <summary>Stopped containers too.</summary>
        [Parameter]
        public SwitchParameter All { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DockerHost { get; set; }

        protected override void ProcessRecord()
        {
            // One query per name, so a name that matches nothing is reported and the others are still listed.
            var queries = Name.Length == 0
                ? new[] { new ContainerQuery(Project, Service, Name, All.IsPresent) }
                : Name.Select(n => new ContainerQuery(Project, Service, new[] { n }, All.IsPresent)).ToArray();
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                using var docker = DockerConnection.Open(DockerHost, Environment);
                reporter.Verbose($"Listing containers on {docker.Host}.");
                var found = await new ContainerCatalog(docker).FindEachAsync(queries, ex => pump.Post(() => WriteFailure(ex)), cancellationToken).ConfigureAwait(false);
                foreach (var container in found)
                {
                    pump.Post(() => WriteObject(container));
                }
            });
        }
    }
}
