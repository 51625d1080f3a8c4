using System;

namespace OpsRunbook
{
    /// <summary>
    /// Get-DatabaseActivity -Summary: sessions per state, and the server's client connections against
    /// max_connections (the check of seed 001's "connection pool exhausted").
    /// </summary>
    public sealed class DatabaseActivitySummary
    {
        public DatabaseActivitySummary(string server)
        {
            Server = server;
        }

        /// <summary>The server as postgres://user@host:port/database, without password.</summary>
        public string Server { get; }

        /// <summary>Client connections on the whole server, this one included: what counts against MaxConnections.</summary>
        public int Connections { get; init; }

        public int MaxConnections { get; init; }

        /// <summary>superuser_reserved_connections: slots of MaxConnections only superusers may take.</summary>
        public int ReservedConnections { get; init; }

        /// <summary>Connections as a percentage of MaxConnections.</summary>
        public double UsedPercent { get; init; }

        /// <summary>The sessions counted below: those the filters selected.</summary>
        public int Sessions { get; init; }

        public int Active { get; init; }

        public int Idle { get; init; }

        public int IdleInTransaction { get; init; }

        public int IdleInTransactionAborted { get; init; }

        /// <summary>Sessions in any other state, or whose state the server does not show.</summary>
        public int Other { get; init; }

        /// <summary>Sessions waiting for a lock another session holds.</summary>
        public int Blocked { get; init; }

        /// <summary>How long the longest running active query has run.</summary>
        public TimeSpan? LongestQuery { get; init; }

        /// <summary>How long the oldest open transaction has been open.</summary>
        public TimeSpan? LongestTransaction { get; init; }

        public override string ToString() =>
            $"{Connections} of {MaxConnections} connections ({UsedPercent:0.#}%): {Active} active, {Idle} idle, {IdleInTransaction} idle in transaction, {Blocked} blocked";
    }
}
