using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace OpsRunbook.Engine.Incidents.Stores
{
    /// <summary>
    /// Where incidents are kept: one append-only log per incident. A store gives each entry its sequence number and
    /// its time as it appends it, under a lock, so the log's order is the order of time; it never rewrites an entry.
    /// A store that cannot be written throws; it never drops an entry.
    /// </summary>
    public interface IIncidentStore
    {
        /// <summary>Where it is, safe to show: a folder, or postgres://user@host:port/db.</summary>
        string Location { get; }

        /// <summary>
        /// Opens a new incident with these entries (the first is the Opened entry), written together, and returns
        /// its Id: unique in this store even when several processes open incidents at the same moment.
        /// </summary>
        Task<string> OpenAsync(IReadOnlyList<IncidentEntry> entries, CancellationToken cancellationToken);

        /// <summary>
        /// Appends entries to an incident, all or none, and returns them as stamped. <paramref name="check"/>, when
        /// given, sees the incident's whole log under the store's lock and throws to refuse the append.
        /// </summary>
        Task<IReadOnlyList<IncidentEntry>> AppendAsync(string id, IReadOnlyList<IncidentEntry> entries,
            Action<IReadOnlyList<IncidentEntry>>? check, CancellationToken cancellationToken);

        /// <summary>The incident's log in order. Throws IncidentNotFound.</summary>
        Task<IReadOnlyList<IncidentEntry>> ReadAsync(string id, CancellationToken cancellationToken);

        /// <summary>The Ids of the incidents opened at or after <paramref name="openedSince"/> (all when null).</summary>
        Task<IReadOnlyList<string>> ListAsync(DateTimeOffset? openedSince, CancellationToken cancellationToken);
    }
}
