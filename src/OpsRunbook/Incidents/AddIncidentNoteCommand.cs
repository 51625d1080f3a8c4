using System;
using System.Management.Automation;
using OpsRunbook.Engine.Incidents;

namespace OpsRunbook.Incidents
{
    /// <summary>Appends a note, or with -ActionItem a follow-up for the post-mortem, to an incident's timeline.</summary>
    [Cmdlet(VerbsCommon.Add, "IncidentNote", SupportsShouldProcess = true)]
    [OutputType(typeof(Incident))]
    public sealed class AddIncidentNoteCommand : IncidentCommandBase
    {
        // Not positional: piped incidents bind it, so the first word typed is the note or status itself.
        // Without it, the current incident.
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("IncidentId")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Text { get; set; }

        /// <summary>Record it as an action item: something to do after the incident.</summary>
        [Parameter]
        public SwitchParameter ActionItem { get; set; }

        /// <summary>Write the incident as it is afterwards.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var (id, current) in TargetIds(Id))
            {
                if (!IsValidId(id) || !ShouldProcess(id, ActionItem ? $"Add action item '{Text}'" : $"Add note '{Text}'"))
                {
                    continue;
                }

                var lifecycle = LifecycleFor(id, current);

                RunEngine(async (reporter, pump, cancellationToken) =>
                {
                    try
                    {
                        await lifecycle.AddNoteAsync(id, Text!, ActionItem, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OpsRunbookException ex) when (ex.ErrorId == IncidentErrors.IncidentNotFound)
                    {
                        pump.Post(() => WriteFailure(ex));
                        return;
                    }

                    if (PassThru)
                    {
                        var incident = await lifecycle.ReadAsync(id, cancellationToken).ConfigureAwait(false);
                        pump.Post(() => WriteObject(incident));
                    }
                });
            }
        }
    }
}
