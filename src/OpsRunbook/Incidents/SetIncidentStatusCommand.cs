using System;
using System.Management.Automation;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Incidents
{
    /// <summary>Moves an incident to Investigating, Identified, Monitoring or Resolved; with -Notify sends the [UPDATE] message.</summary>
    [Cmdlet(VerbsCommon.Set, "IncidentStatus", SupportsShouldProcess = true)]
    [OutputType(typeof(Incident))]
    public sealed class SetIncidentStatusCommand : NotifyingIncidentCommandBase
    {
        // Not positional: piped incidents bind it, so the first word typed is the note or status itself.
        // Without it, the current incident.
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("IncidentId")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, Position = 0)]
        public IncidentStatus Status { get; set; }

        /// <summary>What was done or found: on the timeline, and the Mitigation line of the [UPDATE] message.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Note { get; set; }

        /// <summary>The root cause, once it is known (Identified).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RootCause { get; set; }

        protected override void ProcessRecord()
        {
            var notifier = Notifier();
            foreach (var (id, current) in TargetIds(Id))
            {
                if (!IsValidId(id) || !ShouldProcess(id, $"Set status to {Status}"))
                {
                    continue;
                }

                var lifecycle = LifecycleFor(id, current);
                RunEngine(async (reporter, pump, cancellationToken) =>
                {
                    try
                    {
                        var incident = await lifecycle.SetStatusAsync(id, Status, Note, RootCause, notifier, reporter, cancellationToken).ConfigureAwait(false);
                        pump.Post(() =>
                        {
                            if (incident.Status == IncidentStatus.Resolved && IncidentContext.Clear(id))
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
