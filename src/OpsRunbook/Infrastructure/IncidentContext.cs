using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using OpsRunbook.Engine.Incidents.Stores;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// The incident current in a PowerShell session: the one whose timeline every OpsRunbook command appends to.
    /// Start-IncidentResponse and Set-IncidentContext set it; Close-Incident (and a move to Resolved) clears it. One per
    /// runspace, so a ForEach-Object -Parallel or a thread job starts with none; it goes when the runspace goes.
    /// </summary>
    internal sealed class IncidentContext
    {
        private static readonly ConditionalWeakTable<Runspace, IncidentContext> s_current = new();

        public IncidentContext(string id, IIncidentStore store)
        {
            Id = id;
            Store = store;
        }

        public string Id { get; }

        /// <summary>The store the incident lives in, opened with the credential it was opened with.</summary>
        public IIncidentStore Store { get; }

        /// <summary>The current incident of the runspace running this thread's pipeline; null when there is none.</summary>
        public static IncidentContext? Current =>
            Runspace.DefaultRunspace is Runspace runspace && s_current.TryGetValue(runspace, out var context) ? context : null;

        public static void Set(IncidentContext context)
        {
            if (Runspace.DefaultRunspace is Runspace runspace)
            {
                s_current.AddOrUpdate(runspace, context);
            }
        }

        /// <summary>Clears the current incident; with an Id, only when that incident is the current one.</summary>
        public static bool Clear(string? id = null)
        {
            if (Runspace.DefaultRunspace is not Runspace runspace || !s_current.TryGetValue(runspace, out var context))
            {
                return false;
            }

            if (id is not null && !string.Equals(context.Id, id, System.StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            return s_current.Remove(runspace);
        }
    }
}
