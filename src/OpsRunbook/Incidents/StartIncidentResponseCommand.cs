using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Evidence;
using OpsRunbook.Engine.Incidents.Notifications;
using OpsRunbook.Engine.Incidents.Stores;
using OpsRunbook.Engine.Stacks;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Incidents
{
    /// <summary>
    /// Opens an incident: from a title, or from the unhealthy ServiceHealth results piped in (each becomes an
    /// affected service with its error on the timeline); with -CollectEvidence snapshots what is reachable into the
    /// incident's evidence folder; with -Notify sends the [INCIDENT] message. The incident becomes the session's current
    /// incident, on whose timeline every OpsRunbook command run afterwards is recorded.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "IncidentResponse", SupportsShouldProcess = true)]
    [OutputType(typeof(Incident))]
    public sealed class StartIncidentResponseCommand : NotifyingIncidentCommandBase
    {
        private readonly List<ServiceHealth> _observed = new();

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Title { get; set; }

        [Parameter(Mandatory = true)]
        public IncidentSeverity Severity { get; set; }

        /// <summary>Affected services, besides those piped in.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] Service { get; set; } = Array.Empty<string>();

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Commander { get; set; }

        /// <summary>Who is affected, for the [INCIDENT] message and the post-mortem.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Impact { get; set; }

        /// <summary>Health results; those not Healthy are the affected services.</summary>
        [Parameter(ValueFromPipeline = true)]
        [ValidateNotNull]
        public ServiceHealth[] InputObject { get; set; } = Array.Empty<ServiceHealth>();

        /// <summary>When the impact began, if known before it was detected: the start of the time to detect.</summary>
        [Parameter]
        public DateTime? ImpactStartedAt { get; set; }

        /// <summary>Who is brought in when; seed 001's path by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public EscalationLevel[]? EscalationPolicy { get; set; }

        [Parameter]
        public SwitchParameter CollectEvidence { get; set; }

        /// <summary>The folder to put the incident's evidence folder in; implies -CollectEvidence.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? EvidencePath { get; set; }

        /// <summary>An inventory whose every service is probed, and whose databases and caches are read, for the evidence.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Inventory { get; set; }

        /// <summary>The Docker daemon for container evidence; default the inventory's, DOCKER_HOST, else the local socket.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DockerHost { get; set; }

        /// <summary>Seconds for each source of evidence.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 10;

        protected override void ProcessRecord() => _observed.AddRange(InputObject);

        protected override void EndProcessing()
        {
            var affected = _observed.Where(h => h.Status != HealthStatus.Healthy).ToList();
            if (Title is null && Service.Length == 0 && affected.Count == 0 && MyInvocation.ExpectingInput)
            {
                // A scheduled `Get-ServiceHealth | Where-Object Status -ne Healthy | Start-IncidentResponse` when all is well.
                WriteVerbose($"Nothing unhealthy was piped in ({_observed.Count} healthy results): no incident was opened.");
                return;
            }

            var notifier = Notifier();
            var lifecycle = Lifecycle();
            var collect = CollectEvidence || EvidencePath is not null;
            var opening = new IncidentOpening
            {
                Severity = Severity,
                Title = Title,
                Commander = Commander,
                Impact = Impact,
                Services = Service,
                Observed = _observed,
                ImpactStartedAt = ImpactStartedAt is DateTime impact ? new DateTimeOffset(impact.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(impact, DateTimeKind.Local) : impact) : null,
                EscalationPolicy = EscalationPolicy,
                EvidenceRoot = collect ? EvidenceRoot(lifecycle.Store) : null,
                Evidence = collect ? EvidenceSources() : null,
            };

            var what = Title ?? (affected.Count > 0 ? string.Join(", ", affected.Select(h => $"{h.Name} {h.Status}")) : string.Join(", ", Service));
            if (!ShouldProcess($"{Severity} incident '{what}' in {lifecycle.Store.Location}", "Open"))
            {
                return;
            }

            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                var incident = await lifecycle.StartAsync(opening, notifier, reporter, cancellationToken).ConfigureAwait(false);
                pump.Post(() =>
                {
                    // Current before it is written, so what the pipeline does with it next is on its timeline.
                    IncidentContext.Set(new IncidentContext(incident.Id, lifecycle.Store));
                    WriteVerbose($"{incident.Id} is the current incident: every OpsRunbook command run in this session is recorded on its timeline until it is closed (or Set-IncidentContext -Clear).");
                    WriteObject(incident);
                });
            });
        }

        // Beside a folder store's logs; a team store's evidence stays on this machine, in the local data folder.
        private string EvidenceRoot(IIncidentStore store) =>
            EvidencePath is not null ? FileSystemPath(EvidencePath)
            : store is LocalIncidentStore local ? local.Folder
            : IncidentStoreLocator.DefaultFolder ?? FileSystemPath(".");

        private EvidenceRequest EvidenceSources()
        {
            var targets = new List<ProbeTarget>();
            var containers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string? dockerHost = DockerHost;
            if (Inventory is not null)
            {
                try
                {
                    var inventory = InventoryFile.Load(FileSystemPath(Inventory), Environment);
                    var stack = new ServiceStack(inventory, Environment);
                    dockerHost ??= inventory.DockerHost;
                    foreach (var service in inventory.Services)
                    {
                        if (service.Container is not null)
                        {
                            containers[service.Name] = service.Container;
                        }

                        try
                        {
                            targets.Add(stack.ProbeTarget(service));
                        }
                        catch (OpsRunbookException ex)
                        {
                            // One service that cannot be probed leaves the others' evidence whole.
                            WriteFailure(ex);
                        }
                    }
                }
                catch (OpsRunbookException ex)
                {
                    ThrowFailure(ex);
                }
            }

            return new EvidenceRequest
            {
                Targets = targets,
                ServiceContainers = containers,
                DockerHost = dockerHost,
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                // The webhook's URL is a secret too: its path is its token.
                Secrets = new[] { WebhookUri, Environment(WebhookNotifier.EnvironmentVariable), Environment(WebhookNotifier.SlackEnvironmentVariable) },
            };
        }
    }
}
