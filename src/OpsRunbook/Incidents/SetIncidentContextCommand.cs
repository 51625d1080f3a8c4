using System;
using System.Management.Automation;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Incidents
{
    /// <summary>
    /// Makes an incident the session's current incident, on whose timeline every OpsRunbook command is recorded from
    /// then on; -Clear makes none current. Start-IncidentResponse makes the incident it opens current, and Close-Incident
    /// clears it, so this is for going back to an incident, or over to another.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "IncidentContext", SupportsShouldProcess = true, DefaultParameterSetName = IdSet)]
    [OutputType(typeof(Incident))]
    public sealed class SetIncidentContextCommand : IncidentCommandBase
    {
        private const string IdSet = "Id";
        private const string ClearSet = "Clear";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
        [Alias("IncidentId")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Id { get; set; }

        /// <summary>Make no incident current: commands are no longer recorded.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ClearSet)]
        public SwitchParameter Clear { get; set; }

        /// <summary>Write the incident made current.</summary>
        [Parameter(ParameterSetName = IdSet)]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (Clear)
            {
                ClearContext();
                return;
            }

            var id = Id!;
            if (!IsValidId(id))
            {
                return;
            }

            var lifecycle = Lifecycle();
            Incident? incident = null;
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                try
                {
                    incident = await lifecycle.ReadAsync(id, cancellationToken).ConfigureAwait(false);
                }
                catch (OpsRunbookException ex) when (ex.ErrorId == IncidentErrors.IncidentNotFound)
                {
                    pump.Post(() => WriteFailure(ex));
                }
            });
            if (incident is null)
            {
                return;
            }

            if (incident.Status == IncidentStatus.Resolved)
            {
                WriteFailure(new OpsRunbookException(IncidentErrors.IncidentAlreadyResolved, FailureCategory.InvalidOperation,
                    $"The incident {incident.Id} was resolved at {incident.ResolvedAt:u}; it was not made current.", incident.Id,
                    "Set-IncidentStatus -Status Investigating reopens it; Add-IncidentNote -Id records what happened after."));
                return;
            }

            if (!ShouldProcess($"{incident.Id} ({incident.Severity} {incident.Status}: {incident.Title}) in {lifecycle.Store.Location}", "Make it the current incident"))
            {
                return;
            }

            IncidentContext.Set(new IncidentContext(incident.Id, lifecycle.Store));
            WriteVerbose($"{incident.Id} is the current incident: every OpsRunbook command run in this session is recorded on its timeline.");
            if (PassThru)
            {
                WriteObject(incident);
            }
        }

        private void ClearContext()
        {
            if (IncidentContext.Current is not { } current)
            {
                WriteVerbose("No incident was current.");
                return;
            }

            if (ShouldProcess(current.Id, "Stop recording commands on its timeline (no incident current)"))
            {
                IncidentContext.Clear();
                WriteVerbose($"{current.Id} is no longer the current incident.");
            }
        }
    }
}
