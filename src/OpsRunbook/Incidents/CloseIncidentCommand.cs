using System;
using System.Management.Automation;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Incidents
{
    /// <summary>Resolves an incident with its resolution, root cause and action items; with -Notify sends the [RESOLVED] message.</summary>
    [Cmdlet(VerbsCommon.Close, "Incident", SupportsShouldProcess = true)]
    [OutputType(typeof(Incident))]
    public sealed class CloseIncidentCommand : NotifyingIncidentCommandBase
    {
        /// <summary>Without it, the current incident.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("IncidentId")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = Array.Empty<string>();

        /// <summary>What fixed it.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? Resolution { get; set; }

        /// <summary>Why it happened.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? RootCause { get; set; }

        /// <summary>Follow-ups for the post-mortem.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] ActionItem { get; set; } = Array.Empty<string>();

        protected override void ProcessRecord()
        {
            var notifier = Notifier();
            foreach (var (id, current) in TargetIds(Id))
            {
                if (!IsValidId(id) || !ShouldProcess(id, $"Resolve: {Resolution}"))
                {
                    continue;
                }

                var lifecycle = LifecycleFor(id, current);
                RunEngine(async (reporter, pump, cancellationToken) =>
                {
                    try
                    {
                        var incident = await lifecycle.CloseAsync(id, Resolution!, RootCause!, ActionItem, notifier, reporter, cancellationToken).ConfigureAwait(false);
                        pump.Post(() =>
                        {
                            // Nothing more is recorded on it from this session.
                            if (IncidentContext.Clear(id))
                            {
                                WriteVerbose($"{id} is resolved: it is no longer the current incident.");
                            }

                            WriteObject(incident);
                        });
                    }
                    catch (OpsRunbookException ex) when (ex.ErrorId is IncidentErrors.IncidentNotFound or IncidentErrors.IncidentAlreadyResolved)
                    {
                        pump.Post(() => WriteFailure(ex));
                    }
                });
            }
        }
    }
}
