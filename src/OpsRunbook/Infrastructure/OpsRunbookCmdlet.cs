using System.Management.Automation;
using OpsRunbook.Incidents;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// The base of every cmdlet that acts on services (all but the incident cmdlets): while an incident is current,
    /// each run appends one Action entry to its timeline; -IncidentId names another incident for one command, or for
    /// all of them with $PSDefaultParameterValues['*:IncidentId'].
    /// </summary>
    public abstract class OpsRunbookCmdlet : OpsRunbookCommand
    {
        /// <summary>Record this run on that incident's timeline instead of the current incident's.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string? IncidentId { get; set; }

        internal override bool RecordsActions => true;

        internal override string? ExplicitIncidentId => IncidentId;
    }
}
