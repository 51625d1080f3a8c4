using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// The names backups go by: ours, &lt;db&gt;_&lt;yyyyMMdd_HHmmss&gt;.dump or .sql.gz with a .sha256 sidecar and a .json
    /// manifest; and the stock procedure's backup_&lt;db&gt;_&lt;yyyyMMdd_HHmmss&gt;.sql.gz (seed 001). Work in progress hides
    /// under a dot-name that no listing takes for a backup.
    /// </summary>
    public static class BackupFiles
    {
        public const string TimestampFormat = "yyyyMMdd_HHmmss";

        private static readonly Regex Name = new(
            @"^(?:backup_)?(?<db>.+)_(?<stamp>\d{8}_\d{6})(?<ext>\.dump|\.sql\.gz|\.sql)$", RegexOptions.CultureInvariant);

        public static string Extension(BackupFormat format) => format == BackupFormat.Custom ? ".dump" : ".sql.gz";

        public static string FileName(string database, DateTimeOffset startedAt, BackupFormat format) =>
            $"{database}_{startedAt.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture)}{Extension(format)}";

        /// <summary>The manifest beside a backup: orders_20261127_020015.dump -> orders_20261127_020015.dump.json.</summary>
        public static string ManifestPath(string backupPath) => backupPath + ".json";

        /// <summary>A name in the same folder that no listing takes for a backup, for writing before the rename.</summary>
        public static string TemporaryPath(string finalPath) =>
            Path.Combine(Path.GetDirectoryName(finalPath)!, $".{Path.GetFileName(finalPath)}.{Guid.NewGuid():N}.partial");

        public static bool IsTemporary(string path) => Path.GetFileName(path).StartsWith('.') && path.EndsWith(".partial", StringComparison.Ordinal);

        /// <summary>Database, time and format read from a backup's file name; null for any other file.</summary>
        public static (string Database, DateTimeOffset CreatedAt, BackupFormat Format)? Parse(string path)
        {
            var match = Name.Match(Path.GetFileName(path));
            if (!match.Success || !DateTime.TryParseExact(match.Groups["stamp"].Value, TimestampFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var stamp))
            {
                return null;
            }

            return (match.Groups["db"].Value, new DateTimeOffset(stamp, TimeSpan.Zero), match.Groups["ext"].Value == ".dump" ? BackupFormat.Custom : BackupFormat.Sql);
        }
    }
}
