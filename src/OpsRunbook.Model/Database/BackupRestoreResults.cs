using System;

namespace OpsRunbook
{
    /// <summary>One table's rows after a restore against what the backup (or the source database) says.</summary>
    public sealed class TableRowCheck
    {
        public TableRowCheck(string table, long? expected, long? actual)
        {
            Table = table;
            Expected = expected;
            Actual = actual;
        }

        public string Table { get; }

        /// <summary>Null when the table is not in the manifest (or the source).</summary>
        public long? Expected { get; }

        /// <summary>Null when the table is missing after the restore.</summary>
        public long? Actual { get; }

        public bool Matches => Expected == Actual;

        public override string ToString() => $"{Table}: {Actual?.ToString() ?? "missing"} of {Expected?.ToString() ?? "?"}";
    }

    /// <summary>What Restore-DatabaseBackup did.</summary>
    public sealed class DatabaseRestoreResult
    {
        public DatabaseRestoreResult(string backup, string targetDatabase)
        {
            Backup = backup;
            TargetDatabase = targetDatabase;
        }

        public string Backup { get; }

        public string TargetDatabase { get; }

        public string? Server { get; init; }

        /// <summary>Valid when the sidecar checksum matched; Unverified when -AllowUnverified restored a file without one.</summary>
        public BackupVerification Checksum { get; init; }

        /// <summary>True when an existing database of that name was replaced.</summary>
        public bool Replaced { get; init; }

        /// <summary>Sessions of the replaced database that were ended first.</summary>
        public int SessionsEnded { get; init; }

        public TableRowCheck[] Tables { get; init; } = Array.Empty<TableRowCheck>();

        /// <summary>True when every table's rows match the backup's manifest; false when there was no manifest to check against.</summary>
        public bool RowCountsVerified { get; init; }

        /// <summary>The database's own properties the restored copy was given, and where they were read.</summary>
        public DatabaseProperties? Properties { get; init; }

        public int Jobs { get; init; }

        public TimeSpan Duration { get; init; }

        public override string ToString() => $"{Backup} -> {TargetDatabase}";
    }

    /// <summary>What the restoration test of a backup found (the runbooks' monthly "test backup restoration").</summary>
    public sealed class BackupTestResult
    {
        public BackupTestResult(string backup, string database)
        {
            Backup = backup;
            Database = database;
        }

        public string Backup { get; }

        public string Database { get; }

        public BackupVerification Checksum { get; init; }

        /// <summary>True when the dump restored without error into the scratch database.</summary>
        public bool Restored { get; init; }

        /// <summary>What the row counts were compared with: "manifest", "source database", or "nothing".</summary>
        public string ComparedWith { get; init; } = "nothing";

        public TableRowCheck[] Tables { get; init; } = Array.Empty<TableRowCheck>();

        /// <summary>Checksum valid, restored, and every table's rows as expected.</summary>
        public bool Passed { get; init; }

        /// <summary>Why it did not pass.</summary>
        public string? Failure { get; init; }

        public string? ScratchDatabase { get; init; }

        /// <summary>The database's own properties the scratch copy was given, and where they were read.</summary>
        public DatabaseProperties? Properties { get; init; }

        public TimeSpan Duration { get; init; }

        public override string ToString() => $"{Backup}: {(Passed ? "passed" : "FAILED: " + Failure)}";
    }
}
