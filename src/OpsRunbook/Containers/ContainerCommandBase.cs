using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Containers
{
    /// <summary>
    /// The ways to say which containers, shared by the container cmdlets: by name, by compose project and
    /// service, or ServiceContainer objects from the pipeline (which remember their Docker daemon).
    /// </summary>
    public abstract class ContainerCommandBase : OpsRunbookCmdlet
    {
        protected const string NameSet = "Name";
        protected const string ProjectSet = "Project";
        protected const string InputObjectSet = "InputObject";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [Alias("ContainerName")]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = ProjectSet)]
        [ValidateNotNullOrEmpty]
        public string? Project { get; set; }

        [Parameter(ParameterSetName = ProjectSet)]
        [ValidateNotNullOrEmpty]
        public string[] Service { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public ServiceContainer[] InputObject { get; set; } = Array.Empty<ServiceContainer>();

        /// <summary>The Docker daemon: unix:///path or tcp://host:port. Default: DOCKER_HOST, else the local socket.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DockerHost { get; set; }

        /// <summary>Whether stopped containers are wanted (to start them, or read their logs).</summary>
        protected virtual bool IncludeStopped => true;

        /// <summary>The daemon to use: -DockerHost, else the one a piped container came from, else DOCKER_HOST.</summary>
        internal string? EffectiveDockerHost => DockerHost ?? InputObject.FirstOrDefault()?.DockerHost;

        /// <summary>
        /// The containers this record names, as they are now. A name that matches nothing is a non-terminating
        /// ContainerNotFound; a daemon that cannot be reached ends the command with one error.
        /// </summary>
        internal Task<IReadOnlyList<ServiceContainer>> ResolveAsync(DockerConnection docker, PipelinePump pump, CancellationToken cancellationToken)
        {
            var queries = ParameterSetName switch
            {
                ProjectSet => new[] { new ContainerQuery(Project, Service, Array.Empty<string>(), IncludeStopped) },
                InputObjectSet => InputObject.Select(c => new ContainerQuery(null, Array.Empty<string>(), new[] { c.Name }, true)).ToArray(),
                _ => Name.Select(n => new ContainerQuery(null, Array.Empty<string>(), new[] { n }, IncludeStopped)).ToArray(),
            };
            return new ContainerCatalog(docker).FindEachAsync(queries, ex => pump.Post(() => WriteFailure(ex)), cancellationToken);
        }

        /// <summary>Resolves on the thread pool, then hands the containers back to the pipeline thread.</summary>
        internal IReadOnlyList<ServiceContainer> Resolve()
        {
            IReadOnlyList<ServiceContainer> containers = Array.Empty<ServiceContainer>();
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                using var docker = DockerConnection.Open(EffectiveDockerHost, Environment);
                containers = await ResolveAsync(docker, pump, cancellationToken).ConfigureAwait(false);
            });
            return containers;
        }
    }
}
