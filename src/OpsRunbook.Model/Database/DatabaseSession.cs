using System;

namespace OpsRunbook
{
    /// <summary>One backend of a PostgreSQL server, from pg_stat_activity, as Get-DatabaseActivity writes it.</summary>
    public sealed class DatabaseSession
    {
        private static readonly int[] NoPids = Array.Empty<int>();

        public DatabaseSession(string server, int pid)
        {
            Server = server;
            Pid = pid;
        }

        /// <summary>The server as postgres://user@host:port/database, without password.</summary>
        public string Server { get; }

        public int Pid { get; }

        public string? Database { get; init; }

        public string? User { get; init; }

        /// <summary>application_name the client set.</summary>
        public string? Application { get; init; }

        /// <summary>The client's IP address, or [local] for a Unix socket; null for background processes.</summary>
        public string? ClientAddress { get; init; }

        public int? ClientPort { get; init; }

        /// <summary>'client backend' for client sessions; autovacuum worker, walsender, ... for the others.</summary>
        public string? BackendType { get; init; }

        /// <summary>Null when the server does not say: background processes, or sessions of roles the user may not see.</summary>
        public DatabaseSessionState? State { get; init; }

        /// <summary>Lock, LWLock, IO, Client, ...; null when the session is not waiting.</summary>
        public string? WaitEventType { get; init; }

        /// <summary>What it waits for, as "type:event" (Lock:transactionid, Client:ClientRead); null when not waiting.</summary>
        public string? WaitEvent { get; init; }

        /// <summary>The running or last query, literals as they are, cut to -QueryLength characters.</summary>
        public string? Query { get; init; }

        /// <summary>True when Query was cut to -QueryLength.</summary>
        public bool QueryTruncated { get; init; }

        public DateTimeOffset? BackendStart { get; init; }

        public DateTimeOffset? TransactionStart { get; init; }

        public DateTimeOffset? QueryStart { get; init; }

        public DateTimeOffset? StateChange { get; init; }

        /// <summary>How long the session has been in its State; for an active session, how long its query has run.</summary>
        public TimeSpan? Duration { get; init; }

        /// <summary>How long its transaction has been open; null outside a transaction.</summary>
        public TimeSpan? TransactionDuration { get; init; }

        /// <summary>Pids holding the locks this session waits for (pg_blocking_pids).</summary>
        public int[] BlockedBy { get; init; } = NoPids;

        /// <summary>Pids of the sessions waiting for locks this session holds.</summary>
        public int[] Blocking { get; init; } = NoPids;

        /// <summary>
        /// The connection this session was read through, password included, so Stop-DatabaseSession acts on
        /// the same server. Internal: PowerShell never shows, formats or serializes it.
        /// </summary>
        internal object? Connection { get; init; }

        public override string ToString() =>
            $"pid {Pid} ({User ?? "?"}@{Database ?? "?"}{(State is null ? string.Empty : ", " + State)}{(Duration is TimeSpan d ? ", " + DurationText.Format(d) : string.Empty)})";
    }
}
