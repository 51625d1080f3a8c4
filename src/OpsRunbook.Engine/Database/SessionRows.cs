using System;
using System.Collections.Generic;
using System.Linq;
using Npgsql;

namespace OpsRunbook.Engine.Database
{
    /// <summary>Reads backends from pg_stat_activity into DatabaseSession objects, for activity and for stopping sessions.</summary>
    internal static class SessionRows
    {
        // Duration: for an active session, since its query started; otherwise since it entered its state.
        // pg_blocking_pids is only asked about sessions waiting for a heavyweight lock: for any other it is empty,
        // and on a busy server it is not free.
        private const string Columns = """
            SELECT a.pid, a.datname, a.usename, a.application_name,
                   CASE WHEN a.client_port = -1 THEN '[local]' ELSE host(a.client_addr) END,
                   a.client_port, a.backend_type, a.state, a.wait_event_type, a.wait_event,
                   left(a.query, @query_length + 1),
                   a.backend_start, a.xact_start, a.query_start, a.state_change,
                   clock_timestamp() - CASE WHEN a.state = 'active' THEN a.query_start ELSE a.state_change END,
                   clock_timestamp() - a.xact_start,
                   CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) ELSE '{}'::int[] END
            FROM pg_stat_activity a
            """;

        /// <summary>
        /// Client sessions, those that count against max_connections. A session of a role this user may not see
        /// shows no backend_type, only its pid, user and database: one with a database is taken for a client
        /// session (an autovacuum worker of such a role would be too).
        /// </summary>
        public const string IsClientSession = "(a.backend_type = 'client backend' OR (a.backend_type IS NULL AND a.datid IS NOT NULL))";

        /// <summary>The query with a WHERE clause; it takes @query_length and the clause's own parameters.</summary>
        public static string Select(string where) => Columns + "\nWHERE " + where;

        public static NpgsqlCommand Command(NpgsqlConnection connection, string where, int queryLength)
        {
            var command = new NpgsqlCommand(Select(where), connection);
            command.Parameters.AddWithValue("query_length", queryLength);
            return command;
        }

        public static SessionRow Read(NpgsqlDataReader reader, int queryLength)
        {
            var query = Text(reader, 10);
            var truncated = query is not null && query.Length > queryLength;
            return new SessionRow(
                reader.GetInt32(0),
                Text(reader, 1),
                Text(reader, 2),
                Text(reader, 3),
                Text(reader, 4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5),
                Text(reader, 6),
                ParseState(Text(reader, 7)),
                Text(reader, 8),
                Text(reader, 9),
                truncated ? query![..queryLength] : query,
                truncated,
                Time(reader, 11),
                Time(reader, 12),
                Time(reader, 13),
                Time(reader, 14),
                Span(reader, 15),
                Span(reader, 16),
                reader.IsDBNull(17) ? Array.Empty<int>() : reader.GetFieldValue<int[]>(17));
        }

        /// <summary>Sessions with, for each, the pids of the sessions among them that wait for its locks.</summary>
        public static IReadOnlyList<DatabaseSession> ToSessions(IReadOnlyList<SessionRow> rows, string server, object connection)
        {
            var blocking = rows
                .SelectMany(r => r.BlockedBy.Select(blocker => (Blocker: blocker, Waiter: r.Pid)))
                .ToLookup(p => p.Blocker, p => p.Waiter);
            return rows.Select(r => r.ToSession(server, blocking[r.Pid].OrderBy(p => p).ToArray(), connection)).ToList();
        }

        public static DatabaseSessionState? ParseState(string? state) => state switch
        {
            "active" => DatabaseSessionState.Active,
            "idle" => DatabaseSessionState.Idle,
            "idle in transaction" => DatabaseSessionState.IdleInTransaction,
            "idle in transaction (aborted)" => DatabaseSessionState.IdleInTransactionAborted,
            "fastpath function call" => DatabaseSessionState.FastpathFunctionCall,
            "disabled" => DatabaseSessionState.Disabled,
            _ => null,
        };

        private static string? Text(NpgsqlDataReader reader, int ordinal) =>
            reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal) is { Length: > 0 } text ? text : null;

        private static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal) =>
            reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal).ToLocalTime();

        // The clock of the query and the server's timestamps can differ by a hair: never a negative duration.
        private static TimeSpan? Span(NpgsqlDataReader reader, int ordinal)
        {
            if (reader.IsDBNull(ordinal))
            {
                return null;
            }

            var span = reader.GetTimeSpan(ordinal);
            return span < TimeSpan.Zero ? TimeSpan.Zero : span;
        }
    }

    /// <summary>One row of pg_stat_activity, before the sessions blocked by it are known.</summary>
    internal sealed record SessionRow(
        int Pid,
        string? Database,
        string? User,
        string? Application,
        string? ClientAddress,
        int? ClientPort,
        string? BackendType,
        DatabaseSessionState? State,
        string? WaitEventType,
        string? WaitEventName,
        string? Query,
        bool QueryTruncated,
        DateTimeOffset? BackendStart,
        DateTimeOffset? TransactionStart,
        DateTimeOffset? QueryStart,
        DateTimeOffset? StateChange,
        TimeSpan? Duration,
        TimeSpan? TransactionDuration,
        int[] BlockedBy)
    {
        public DatabaseSession ToSession(string server, int[] blocking, object connection) => new(server, Pid)
        {
            Database = Database,
            User = User,
            Application = Application,
            ClientAddress = ClientAddress,
            ClientPort = ClientPort,
            BackendType = BackendType,
            State = State,
            WaitEventType = WaitEventType,
            WaitEvent = WaitEventType is null ? WaitEventName : WaitEventName is null ? WaitEventType : WaitEventType + ":" + WaitEventName,
            Query = Query,
            QueryTruncated = QueryTruncated,
            BackendStart = BackendStart,
            TransactionStart = TransactionStart,
            QueryStart = QueryStart,
            StateChange = StateChange,
            Duration = Duration,
            TransactionDuration = TransactionDuration,
            BlockedBy = BlockedBy.OrderBy(p => p).ToArray(),
            Blocking = blocking,
            Connection = connection,
        };
    }
}
