using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// The names backups go by: ours, &lt;db&gt;_&lt;yyyyMMdd_HHmmss&gt;.dump or .sql.gz with a .sha256 sidecar and a .json
    /// manifest; and the stock procedure's backup_&lt;db&gt;_&lt;yyyyMMdd_HHmmss&gt;.sql.gz (seed 001). Work in progress hides
    /// in a work folder (".&lt;name&gt;.partial") that no listing takes for a backup.
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

        public static bool IsTemporary(string path) => Path.GetFileName(path).StartsWith('.') && path.EndsWith(".partial", StringComparison.Ordinal);

        // Earlier versions wrote ".<name>.<guid>.partial" files beside the backup; a killed one left its file.
        private static readonly Regex EarlierPartial = new(@"^\..+\.[0-9a-f]{32}\.partial$", RegexOptions.CultureInvariant);

        /// <summary>
        /// Removes what backups that were stopped (killed) left in the folder: work folders no live writer holds, and
        /// earlier versions' partial files a day old; says so for each.
        /// </summary>
        public static void SweepAbandoned(string folder, IOperationReporter reporter)
        {
            foreach (var name in WorkFolder.Sweep(folder, finalName => Parse(finalName) is not null))
            {
                reporter.Warning($"Removed {Path.Combine(folder, name)}, the unfinished backup of a backup that was stopped before it finished.");
            }

            if (!Directory.Exists(folder))
            {
                return;
            }

            foreach (var file in Directory.EnumerateFiles(folder, ".*.partial").Where(f => EarlierPartial.IsMatch(Path.GetFileName(f))
                         && DateTime.UtcNow - File.GetLastWriteTimeUtc(f) > TimeSpan.FromDays(1)))
            {
                try
                {
                    File.Delete(file);
                    reporter.Warning($"Removed {file}, the unfinished backup of a backup that was stopped before it finished.");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A folder this user may only read: someone who may write it removes it.
                }
            }
        }

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
