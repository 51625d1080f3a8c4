using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Stacks;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Health
{
    /// <summary>
    /// The ways to say which services to probe, shared by Get-ServiceHealth and Wait-ServiceHealth:
    /// URIs and connection strings, an inventory file, or ServiceHealth objects from the pipeline.
    /// </summary>
    /// <remarks>
    /// URIs and connection strings are one parameter (-Uri, alias -ConnectionString and -Target): as two
    /// parameters in two sets, PowerShell binds a piped object's text to -Uri by value before it looks
    /// for a ConnectionString property.
    /// </remarks>
    public abstract class ServiceTargetCommandBase : OpsRunbookCmdlet
    {
        protected const string TargetSet = "Target";
        protected const string InventorySet = "Inventory";
        protected const string InputObjectSet = "InputObject";

        private readonly List<ProbeTarget> _targets = new();

        // Not mandatory: with -Kind alone, the default set probes what the environment names.
        [Parameter(Position = 0, ParameterSetName = TargetSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ConnectionString", "Target")]
        [ValidateNotNullOrEmpty]
        public string[] Uri { get; set; } = Array.Empty<string>();

        /// <summary>Paths whose file system's space to check (Kind Disk): a mount point or any directory on it.</summary>
        [Parameter(ParameterSetName = TargetSet)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = TargetSet, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ServiceKindCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Kind { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = InventorySet)]
        [ValidateNotNullOrEmpty]
        public string? Inventory { get; set; }

        [Parameter(ParameterSetName = TargetSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = InventorySet, Position = 0)]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = InventorySet)]
        [ValidateNotNullOrEmpty]
        public string[] Tag { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public ServiceHealth[] InputObject { get; set; } = Array.Empty<ServiceHealth>();

        [Parameter(ParameterSetName = TargetSet)]
        [Parameter(ParameterSetName = InventorySet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>With -Inventory: the services -Credential is for (wildcards); by default its Postgres and Redis services.</summary>
        [Parameter(ParameterSetName = InventorySet)]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] CredentialService { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = TargetSet)]
        [Parameter(ParameterSetName = InventorySet)]
        [ValidateNotNullOrEmpty]
        public string? CaCertificatePath { get; set; }

        /// <summary>The Docker daemon of Container targets; default DOCKER_HOST, else the local socket.</summary>
        [Parameter(ParameterSetName = TargetSet)]
        [Parameter(ParameterSetName = InventorySet)]
        [ValidateNotNullOrEmpty]
        public string? DockerHost { get; set; }

        /// <summary>A Container target that restarted within this window is Degraded.</summary>
        [Parameter(ParameterSetName = TargetSet)]
        [Parameter(ParameterSetName = InventorySet)]
        public TimeSpan RestartWindow { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>A Disk target this full (percent of its space used, as df's Use%) is Degraded.</summary>
        [Parameter(ParameterSetName = TargetSet)]
        [Parameter(ParameterSetName = InventorySet)]
        [ValidateRange(0, 100)]
        public double DegradedPercent { get; set; } = 80;

        /// <summary>A Disk target this full is Unhealthy.</summary>
        [Parameter(ParameterSetName = TargetSet)]
        [Parameter(ParameterSetName = InventorySet)]
        [ValidateRange(0, 100)]
        public double UnhealthyPercent { get; set; } = 95;

        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 64;

        /// <summary>The targets gathered so far, in the order given.</summary>
        internal IReadOnlyList<ProbeTarget> Targets => _targets;

        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case InventorySet:
                    AddInventoryTargets();
                    break;
                case InputObjectSet:
                    AddPipedResults();
                    break;
                default:
                    if (Uri.Length == 0 && Path.Length == 0 && Kind is null)
                    {
                        ThrowFailure(new OpsRunbookException(HealthErrors.TargetMissing, FailureCategory.InvalidArgument,
                            "No service to probe was given.", null,
                            "Give -Uri (or -ConnectionString), -Path for disks, -Inventory, or -Kind Postgres|Redis to use the PG* variables or REDIS_URL."));
                    }

                    if (Path.Length > 0)
                    {
                        AddDiskTargets();
                        break;
                    }

                    // -Kind alone probes what the environment names: PG* for Postgres, REDIS_URL for Redis.
                    AddTargets(Uri.Length == 0 ? new[] { string.Empty } : Uri, Kind);
                    break;
            }
        }

        private void AddTargets(IReadOnlyList<string> targets, string? kindText)
        {
            if (Name.Length > 0 && Name.Length != targets.Count)
            {
                ThrowFailure(new OpsRunbookException(HealthErrors.NameCountMismatch, FailureCategory.InvalidArgument,
                    $"{Name.Length} names were given for {targets.Count} targets.", string.Join(", ", Name),
                    "Give one -Name per target, in the same order, or leave -Name out."));
            }

            ServiceKind? kind = null;
            if (kindText is not null)
            {
                if (!Enum.TryParse<ServiceKind>(kindText, ignoreCase: true, out var parsed) || int.TryParse(kindText, out _))
                {
                    WriteFailure(new OpsRunbookException(StackErrors.UnknownServiceKind, FailureCategory.InvalidArgument,
                        $"'{kindText}' is not a kind of service; the kinds are {string.Join(", ", Enum.GetNames(typeof(ServiceKind)))}.",
                        kindText, "Use one of the kinds listed (Tab completes them)."));
                    return;
                }

                kind = parsed;
            }

            var credential = Credential?.GetNetworkCredential();
            var caPath = CaCertificatePath is null ? null : FileSystemPath(CaCertificatePath);
            for (var i = 0; i < targets.Count; i++)
            {
                var definition = new ProbeDefinition(targets[i])
                {
                    Name = Name.Length > 0 ? Name[i] : null,
                    Kind = kind,
                    Credential = credential,
                    CaCertificatePath = caPath,
                    DockerHost = DockerHost,
                    RestartWindow = RestartWindow,
                    DiskThresholds = Thresholds,
                };
                Add(() => ProbeTarget.Create(definition, Environment));
            }
        }

        private DiskThresholds Thresholds => new(DegradedPercent, UnhealthyPercent);

        private void AddDiskTargets()
        {
            if (Uri.Length > 0 || (Kind is not null && !Kind.Equals(nameof(ServiceKind.Disk), StringComparison.OrdinalIgnoreCase)))
            {
                ThrowFailure(new OpsRunbookException(HealthErrors.PathWithOtherTargets, FailureCategory.InvalidArgument,
                    "-Path names disks to check; it does not go with -Uri or a -Kind other than Disk.", Kind,
                    "Check disks in a command of their own, or list them in an inventory with Kind = 'Disk'."));
            }

            // Relative paths are relative to PowerShell's location, as for any other cmdlet.
            AddTargets(Path.Select(FileSystemPath).ToArray(), nameof(ServiceKind.Disk));
        }

        private void AddInventoryTargets()
        {
            var path = FileSystemPath(Inventory!);
            try
            {
                var stack = new ServiceStack(InventoryFile.Load(path, Environment), Environment, Credential?.GetNetworkCredential(), CredentialService, DockerHost);
                foreach (var service in stack.Inventory.Select(Name, Tag))
                {
                    Add(() => stack.ProbeTarget(service, RestartWindow, Thresholds));
                }
            }
            catch (OpsRunbookException ex)
            {
                ThrowFailure(ex);
            }
        }

        private void AddPipedResults()
        {
            foreach (var result in InputObject)
            {
                if (result.Probe is ProbeTarget target)
                {
                    _targets.Add(target);
                }
                else
                {
                    // A result that crossed a process boundary lost its probe: rebuild it from what it shows.
                    Add(() => ProbeTarget.Create(new ProbeDefinition(result.Target) { Name = result.Name, Kind = result.Kind }, Environment));
                }
            }
        }

        private void Add(Func<ProbeTarget> create)
        {
            try
            {
                _targets.Add(create());
            }
            catch (OpsRunbookException ex)
            {
                WriteFailure(ex);
            }
        }
    }
}
