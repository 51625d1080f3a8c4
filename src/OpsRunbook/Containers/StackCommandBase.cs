using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Stacks;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Containers
{
    /// <summary>
    /// A stack to start or stop: a compose project (order from its depends_on labels, readiness from each
    /// container's HEALTHCHECK) or an inventory (order from DependsOn, readiness from each service's probe).
    /// </summary>
    public abstract class StackCommandBase : OpsRunbookCmdlet
    {
        protected const string ProjectSet = "Project";
        protected const string InventorySet = "Inventory";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ProjectSet)]
        [ValidateNotNullOrEmpty]
        public string? Project { get; set; }

        /// <summary>With -Project: only these compose services.</summary>
        [Parameter(ParameterSetName = ProjectSet)]
        [ValidateNotNullOrEmpty]
        public string[] Service { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = InventorySet)]
        [ValidateNotNullOrEmpty]
        public string? Inventory { get; set; }

        /// <summary>With -Inventory: only these services (wildcards allowed).</summary>
        [Parameter(ParameterSetName = InventorySet)]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>With -Inventory: the credential for the services' probes.</summary>
        [Parameter(ParameterSetName = InventorySet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>With -Inventory: the services -Credential is for (wildcards); by default its Postgres and Redis services.</summary>
        [Parameter(ParameterSetName = InventorySet)]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] CredentialService { get; set; } = Array.Empty<string>();

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DockerHost { get; set; }

        /// <summary>Starting takes along what the selected services depend on; stopping does not.</summary>
        internal abstract bool WithDependencies { get; }

        /// <summary>What ShouldProcess says is done to a service.</summary>
        internal abstract string Action { get; }

        /// <summary>Runs the confirmed part of the plan and writes its steps.</summary>
        internal abstract IAsyncEnumerable<StackStep> Run(StackRunner runner, StackPlan plan, Engine.Common.IOperationReporter reporter, CancellationToken cancellationToken);

        protected override void EndProcessing()
        {
            StackPlan? plan = null;
            string? dockerHost = DockerHost;
            RunEngine(async (reporter, pump, cancellationToken) => (plan, dockerHost) = await PlanAsync(cancellationToken).ConfigureAwait(false));

            // Every service is confirmed before anything changes; one answered No is left as it is.
            var confirmed = plan!.Services.Where(s => ShouldProcess(Describe(s), Action)).Select(s => s.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (MyInvocation.BoundParameters.ContainsKey("WhatIf") || confirmed.Count == 0)
            {
                return;
            }

            var checker = new HealthChecker(HealthChecker.DefaultTimeout, 16);
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                using var docker = DockerConnection.Open(dockerHost, Environment);
                await foreach (var step in Run(new StackRunner(docker, checker), plan.Keep(s => confirmed.Contains(s.Name)), reporter, cancellationToken).ConfigureAwait(false))
                {
                    pump.Post(() => WriteObject(step));
                }
            });
        }

        private static string Describe(StackService service) =>
            service.Containers.Count == 0 ? $"{service.Name} (no container: waited for only)" : $"{service.Name} (container {string.Join(", ", service.Containers)})";

        private async Task<(StackPlan Plan, string? DockerHost)> PlanAsync(CancellationToken cancellationToken)
        {
            if (ParameterSetName == ProjectSet)
            {
                using var docker = DockerConnection.Open(DockerHost, Environment);
                var containers = await new ContainerCatalog(docker).FindAsync(
                    new ContainerQuery(Project, Array.Empty<string>(), Array.Empty<string>(), All: true), cancellationToken).ConfigureAwait(false);
                return (StackPlan.Create(Project!, StackPlan.FromCompose(containers), Service, WithDependencies), DockerHost);
            }

            var stack = new ServiceStack(InventoryFile.Load(FileSystemPath(Inventory!), Environment), Environment, Credential?.GetNetworkCredential(), CredentialService, DockerHost);
            return (StackPlan.Create(stack.Name, stack.Services(), Name, WithDependencies), stack.DockerHost);
        }
    }
}
