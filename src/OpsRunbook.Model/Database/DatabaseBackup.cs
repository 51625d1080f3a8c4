using System;

namespace OpsRunbook
{
    /// <summary>How a dump is written.</summary>
    public enum BackupFormat
    {
        /// <summary>pg_dump -Fc: compressed, restorable in parallel with pg_restore -j.</summary>
        Custom,
        /// <summary>Plain SQL, gzip-compressed (the seeds' .sql.gz), restored through psql.</summary>
        Sql,
    }

    /// <summary>What checking a backup against its .sha256 sidecar found.</summary>
    public enum BackupVerification
    {
        /// <summary>Not checked: Get-DatabaseBackup without -Verify.</summary>
        NotChecked,
        /// <summary>The file's SHA-256 is the one its sidecar records.</summary>
        Valid,
        /// <summary>The file's SHA-256 differs from its sidecar: do not restore it.</summary>
        Corrupt,
        /// <summary>There is no sidecar to check against.</summary>
        Unverified,
    }

    /// <summary>Rows of one table when the backup was taken.</summary>
    public sealed class BackupTableRows
    {
        public BackupTableRows(string table, long rows)
        {
            Table = table;
            Rows = rows;
        }

        /// <summary>schema.table</summary>
        public string Table { get; }

        public long Rows { get; }

        public override string ToString() => $"{Table}: {Rows}";
    }

    /// <summary>One backup file with its sidecar and manifest, made by Invoke-DatabaseBackup or by the stock pg_dump | gzip procedure.</summary>
    public sealed class DatabaseBackup
    {
        public DatabaseBackup(string path, string database)
        {
            Path = path;
            Database = database;
        }

        public string Path { get; }

        public string Name => System.IO.Path.GetFileName(Path);

        public string Database { get; }

        public BackupFormat Format { get; init; }

        /// <summary>When the dump started (from the manifest, else from the file name).</summary>
        public DateTimeOffset CreatedAt { get; init; }

        public long SizeBytes { get; init; }

        /// <summary>The SHA-256 the sidecar records, lower-case hex; null without a sidecar.</summary>
        public string? Sha256 { get; init; }

        public BackupVerification Verification { get; init; }

        public string? ServerVersion { get; init; }

        public string? ToolVersion { get; init; }

        public TimeSpan? Duration { get; init; }

        /// <summary>Per-table row counts from the manifest; empty for backups made without one.</summary>
        public BackupTableRows[] Tables { get; init; } = Array.Empty<BackupTableRows>();

        /// <summary>The database's own properties when the backup was taken, from the manifest; null without one.</summary>
        public DatabaseProperties? Properties { get; init; }

        /// <summary>True when Invoke-DatabaseBackup made it (it has an OpsRunbook manifest); only those are pruned by -KeepLast.</summary>
        public bool HasManifest { get; init; }

        public override string ToString() => Path;
    }
}
