using System;
using System.Management.Automation;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Stores;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Incidents
{
    /// <summary>
    /// Where the incident cmdlets keep incidents: -Store (a folder, or a PostgreSQL connection string for a team),
    /// else OPSRUNBOOK_INCIDENT_STORE, else the user's local data folder. Set once for a session with
    /// $PSDefaultParameterValues['*-Incident*:Store'], or for a runbook host with the environment variable.
    /// </summary>
    public abstract class IncidentCommandBase : OpsRunbookCmdlet
    {
        /// <summary>A folder, or a postgres:// URI or Npgsql string for the team store.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Store { get; set; }

        /// <summary>The user and password of a PostgreSQL store, over those of its connection string.</summary>
        [Parameter]
        [Credential]
        public PSCredential? StoreCredential { get; set; }

        /// <summary>The store the parameters and the environment name. Bad input ends the command: nothing can be recorded without a store.</summary>
        internal IIncidentStore OpenStore()
        {
            try
            {
                return IncidentStoreLocator.Open(Store, StoreCredential?.GetNetworkCredential(), Environment, FileSystemPath);
            }
            catch (OpsRunbookException ex)
            {
                ThrowFailure(ex);
                throw; // not reached: ThrowFailure throws
            }
        }

        internal IncidentLifecycle Lifecycle() => new(OpenStore(), Environment);

        /// <summary>Checks an Id before anything is asked or done; a bad one is a non-terminating error for that Id.</summary>
        internal bool IsValidId(string id)
        {
            try
            {
                IncidentId.Check(id);
                return true;
            }
            catch (OpsRunbookException ex)
            {
                WriteFailure(ex);
                return false;
            }
        }
    }
}
