using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>The backups in a folder, newest first, and whether each still has the checksum its sidecar records.</summary>
    public static class BackupCatalog
    {
        public static IReadOnlyList<DatabaseBackup> List(string folder, string? database)
        {
            if (!Directory.Exists(folder))
            {
                throw new OpsRunbookException(DatabaseErrors.BackupFolderNotFound, FailureCategory.ObjectNotFound,
                    $"The backup folder '{folder}' does not exist.", folder, "Give the folder Invoke-DatabaseBackup wrote to.");
            }

            return Directory.EnumerateFiles(folder)
                .Where(f => !BackupFiles.IsTemporary(f))
                .Select(Describe)
                .OfType<DatabaseBackup>()
                .Where(b => database is null || NamePattern.IsMatch(b.Database, database))
                .OrderByDescending(b => b.CreatedAt)
                .ThenBy(b => b.Name, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>A backup file as it stands: from its manifest when it has one, else from its name; null for other files.</summary>
        public static DatabaseBackup? Describe(string path)
        {
            var parsed = BackupFiles.Parse(path);
            if (parsed is null || !File.Exists(path))
            {
                return null;
            }

            var manifest = BackupManifest.Read(path);
            var (database, createdAt, format) = parsed.Value;
            return new DatabaseBackup(Path.GetFullPath(path), manifest?.Database ?? database)
            {
                Format = manifest?.Format ?? format,
                CreatedAt = manifest?.StartedAt ?? createdAt,
                SizeBytes = new FileInfo(path).Length,
                Sha256 = ChecksumFile.Read(path),
                ServerVersion = manifest?.ServerVersion,
                ToolVersion = manifest?.ToolVersion,
                Duration = manifest is null ? null : manifest.FinishedAt - manifest.StartedAt,
                Tables = manifest?.TableRowsArray() ?? Array.Empty<BackupTableRows>(),
                Properties = manifest?.DatabaseProperties is { } properties ? Recorded(properties) : null,
                HasManifest = manifest is not null,
                Verification = BackupVerification.NotChecked,
            };
        }

        private static DatabaseProperties Recorded(DatabaseProperties properties)
        {
            properties.Source = "backup manifest";
            return properties;
        }

        /// <summary>Recomputes the file's SHA-256 against its sidecar.</summary>
        public static async Task<DatabaseBackup> VerifyAsync(DatabaseBackup backup, CancellationToken cancellationToken)
        {
            var recorded = ChecksumFile.Read(backup.Path);
            var verification = recorded is null ? BackupVerification.Unverified
                : await ChecksumFile.ComputeAsync(backup.Path, cancellationToken).ConfigureAwait(false) == recorded ? BackupVerification.Valid
                : BackupVerification.Corrupt;
            return new DatabaseBackup(backup.Path, backup.Database)
            {
                Format = backup.Format,
                CreatedAt = backup.CreatedAt,
                SizeBytes = new FileInfo(backup.Path).Length,
                Sha256 = recorded,
                ServerVersion = backup.ServerVersion,
                ToolVersion = backup.ToolVersion,
                Duration = backup.Duration,
                Tables = backup.Tables,
                Properties = backup.Properties,
                HasManifest = backup.HasManifest,
                Verification = verification,
            };
        }

        /// <summary>Checks each backup in turn, reporting progress over the bytes read.</summary>
        public static async IAsyncEnumerable<DatabaseBackup> VerifyAllAsync(IReadOnlyList<DatabaseBackup> backups, IOperationReporter reporter,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var total = Math.Max(1, backups.Sum(b => b.SizeBytes));
            long done = 0;
            foreach (var backup in backups)
            {
                reporter.Progress(new OperationProgress("Verifying backups", $"{backup.Name} ({backup.SizeBytes / 1048576.0:0.0} MiB)", (int)(done * 100 / total)));
                yield return await VerifyAsync(backup, cancellationToken).ConfigureAwait(false);
                done += backup.SizeBytes;
            }

            reporter.Progress(new OperationProgress("Verifying backups", "Done", 100, Completed: true));
        }

        /// <summary>
        /// Removes this database's backups beyond the newest <paramref name="keep"/>. Only backups with an OpsRunbook
        /// manifest are removed (never files it did not make), and never <paramref name="justMade"/>.
        /// </summary>
        public static IReadOnlyList<DatabaseBackup> Prune(string folder, string database, int keep, string justMade, IOperationReporter reporter)
        {
            if (keep < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(keep), keep, "At least the backup just made is kept.");
            }

            var ours = List(folder, null).Where(b => b.HasManifest && b.Database == database).ToList();
            var removed = new List<DatabaseBackup>();
            foreach (var old in ours.Skip(keep).Where(b => !string.Equals(b.Path, Path.GetFullPath(justMade), StringComparison.Ordinal)))
            {
                foreach (var file in new[] { old.Path, ChecksumFile.SidecarPath(old.Path), BackupFiles.ManifestPath(old.Path) })
                {
                    File.Delete(file);
                }

                reporter.Verbose($"Removed the older backup {old.Name} (keeping the newest {keep}).");
                removed.Add(old);
            }

            return removed;
        }
    }
}
