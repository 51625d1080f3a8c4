using System;
using System.Collections.Generic;
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
    /// The cmdlets that act on one incident act on the current incident (Start-IncidentResponse, Set-IncidentContext)
    /// when no -Id is given, in the store it was made current from.
    /// </summary>
    public abstract class IncidentCommandBase : OpsRunbookCommand
    {
        /// <summary>A folder, or a postgres:// URI or Npgsql string for the team store.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Store { get; set; }

        /// <summary>The user and password of a PostgreSQL store, over those of its connection string.</summary>
        [Parameter]
        [Credential]
        public PSCredential? StoreCredential { get; set; }

        // These commands are the timeline; recording them on it again would double every note.
        internal override bool RecordsActions => false;

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

        /// <summary>
        /// The Ids to act on: those given, else the current incident's. With neither, the command ends: there is
        /// nothing it could act on.
        /// </summary>
        internal IReadOnlyList<(string Id, bool Current)> TargetIds(string[] given)
        {
            if (given.Length > 0)
            {
                var ids = new List<(string, bool)>();
                foreach (var id in given)
                {
                    ids.Add((id, false));
                }

                return ids;
            }

            if (IncidentContext.Current is { } current)
            {
                return new[] { (current.Id, true) };
            }

            ThrowFailure(new OpsRunbookException(IncidentErrors.NoCurrentIncident, FailureCategory.InvalidOperation,
                "No -Id was given and no incident is current in this session.", null,
                "Give -Id (Tab completes it), pipe in an incident, or make one current with Set-IncidentContext -Id (Start-IncidentResponse makes the incident it opens current)."));
            throw new InvalidOperationException(); // not reached: ThrowFailure throws
        }

        /// <summary>
        /// The lifecycle that reaches an incident: the current incident's own store when the Id came from the session,
        /// or is the current one's and no -Store was given; otherwise the store of -Store, the environment, or the default.
        /// </summary>
        internal IncidentLifecycle LifecycleFor(string id, bool current)
        {
            var context = IncidentContext.Current;
            if (context is not null && string.Equals(context.Id, id, StringComparison.OrdinalIgnoreCase) &&
                (current || (!MyInvocation.BoundParameters.ContainsKey(nameof(Store)) && !MyInvocation.BoundParameters.ContainsKey(nameof(StoreCredential)))))
            {
                return new IncidentLifecycle(context.Store, Environment);
            }

            return Lifecycle();
        }

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
