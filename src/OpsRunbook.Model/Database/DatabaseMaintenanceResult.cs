using System;

namespace OpsRunbook
{
    /// <summary>One maintenance statement on one table: what ran, how long it took, and the size before and after.</summary>
    public sealed class DatabaseMaintenanceResult
    {
        public DatabaseMaintenanceResult(string server, string database, string table, DatabaseMaintenanceOperation operation, string command)
        {
            Server = server;
            Database = database;
            Table = table;
            Operation = operation;
            Command = command;
        }

        /// <summary>The server as postgres://user@host:port/database, without password.</summary>
        public string Server { get; }

        public string Database { get; }

        /// <summary>schema.name</summary>
        public string Table { get; }

        public DatabaseMaintenanceOperation Operation { get; }

        /// <summary>The statement as sent, such as VACUUM (FULL, ANALYZE) public.orders.</summary>
        public string Command { get; }

        /// <summary>pg_total_relation_size before the statement.</summary>
        public long SizeBeforeBytes { get; init; }

        /// <summary>pg_total_relation_size after it.</summary>
        public long SizeAfterBytes { get; init; }

        /// <summary>SizeBeforeBytes - SizeAfterBytes: what the statement gave back (negative when the table grew).</summary>
        public long SavedBytes => SizeBeforeBytes - SizeAfterBytes;

        public DateTimeOffset StartedAt { get; init; }

        public TimeSpan Duration { get; init; }

        public override string ToString() => $"{Command}: {ByteSize.Format(SizeBeforeBytes)} -> {ByteSize.Format(SizeAfterBytes)} in {DurationText.Format(Duration)}";
    }
}
