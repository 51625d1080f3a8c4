using System;

namespace OpsRunbook
{
    /// <summary>
    /// One table's sizes and upkeep, from pg_class, the size functions and pg_stat_user_tables, as
    /// Get-DatabaseSize -Table writes it. TableBytes + IndexBytes + ToastBytes = TotalBytes.
    /// </summary>
    public sealed class TableSize
    {
        public TableSize(string server, string database, string schema, string name)
        {
            Server = server;
            Database = database;
            Schema = schema;
            Name = name;
        }

        /// <summary>The server as postgres://user@host:port/database, without password.</summary>
        public string Server { get; }

        public string Database { get; }

        public string Schema { get; }

        public string Name { get; }

        /// <summary>schema.name, as Invoke-DatabaseMaintenance -Table takes it from the pipeline.</summary>
        public string Table => Schema + "." + Name;

        /// <summary>Everything: table, indexes and TOAST (pg_total_relation_size).</summary>
        public long TotalBytes { get; init; }

        /// <summary>The table's own storage: heap, free space map and visibility map.</summary>
        public long TableBytes { get; init; }

        public long IndexBytes { get; init; }

        /// <summary>The TOAST table and its index: large values stored out of line.</summary>
        public long ToastBytes { get; init; }

        /// <summary>Estimated live rows (n_live_tup, or reltuples when the statistics have none).</summary>
        public long RowEstimate { get; init; }

        /// <summary>Dead row versions not yet vacuumed (n_dead_tup).</summary>
        public long DeadTuples { get; init; }

        /// <summary>
        /// Estimated share of the heap that is not live rows (dead rows and free space), 0 to 1: the heap's
        /// size against what its live rows need at their average width (pg_stats) and fillfactor. Null
        /// until the table has been analyzed, or when the user may not read its column statistics.
        /// </summary>
        public double? BloatRatio { get; init; }

        /// <summary>The heap bytes that estimate counts as bloat.</summary>
        public long? BloatBytes { get; init; }

        public DateTimeOffset? LastVacuum { get; init; }

        public DateTimeOffset? LastAutovacuum { get; init; }

        public DateTimeOffset? LastAnalyze { get; init; }

        public DateTimeOffset? LastAutoanalyze { get; init; }

        public override string ToString() => $"{Table}: {ByteSize.Format(TotalBytes)}";
    }
}
