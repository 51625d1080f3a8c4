using System;
using System.Collections.Generic;
using System.Linq;

namespace OpsRunbook.Engine.Database
{
    /// <summary>Which backends Get-DatabaseActivity shows. Name filters take wildcards; empty lists filter nothing.</summary>
    public sealed record ActivityFilter
    {
        public const int DefaultQueryLength = 1024;

        public IReadOnlyCollection<DatabaseSessionState> States { get; init; } = Array.Empty<DatabaseSessionState>();

        /// <summary>Only sessions in their state for at least this long.</summary>
        public TimeSpan? MinDuration { get; init; }

        public IReadOnlyCollection<string> Databases { get; init; } = Array.Empty<string>();

        public IReadOnlyCollection<string> Users { get; init; } = Array.Empty<string>();

        public IReadOnlyCollection<string> Applications { get; init; } = Array.Empty<string>();

        /// <summary>Only sessions waiting for a lock another session holds.</summary>
        public bool BlockedOnly { get; init; }

        /// <summary>Also autovacuum workers, WAL senders and the other background processes, not only client sessions.</summary>
        public bool IncludeBackground { get; init; }

        public int QueryLength { get; init; } = DefaultQueryLength;

        public bool Matches(DatabaseSession session) =>
            (States.Count == 0 || (session.State is DatabaseSessionState state && States.Contains(state))) &&
            (MinDuration is not TimeSpan min || (session.Duration is TimeSpan duration && duration >= min)) &&
            CatalogNames.MatchesAny(session.Database, Databases) &&
            CatalogNames.MatchesAny(session.User, Users) &&
            CatalogNames.MatchesAny(session.Application, Applications) &&
            (!BlockedOnly || session.BlockedBy.Length > 0);
    }
}
