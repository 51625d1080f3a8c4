using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Database.Backup;
using OpsRunbook.Engine.Redis;

namespace OpsRunbook.Engine.Rollback
{
    /// <summary>
    /// Takes a restore point: every database through the backup engine and every Redis server through the Redis
    /// backup engine (all at once), the configuration files with their modes, and each container's image and
    /// settings, into a hidden folder that is renamed to its timestamp only when everything is in it and checked.
    /// </summary>
    public sealed class RollbackPointWriter
    {
        private readonly Func<string, string?> _environment;

        public RollbackPointWriter(Func<string, string?> environment)
        {
            _environment = environment;
        }

        /// <param name="name">A label for people ("before 1.4.2").</param>
        /// <param name="safetyFor">For the safety point a rollback takes: the timestamp of the point it rolls back to.</param>
        public async Task<RollbackPoint> WriteAsync(RollbackStack stack, string root, string? name, string? safetyFor, int? keepLast, IOperationReporter reporter,
            CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            // Checked before anything is dumped: a missing file is found in a moment, not after the databases.
            CheckConfiguration(stack.Configuration);
            PrivateFiles.CreateFolder(root);
            RollbackPointCatalog.SweepAbandoned(root, reporter);
            var (startedAt, work) = await ClaimTimestampAsync(root, cancellationToken).ConfigureAwait(false);
            using var claimed = work;
            var timestamp = RollbackPointFolder.Timestamp(startedAt);
            var temporary = work.Path;
            var final = Path.Combine(root, timestamp);
            var activity = $"Taking restore point {timestamp} of {stack.Name}";
            reporter.Progress(new OperationProgress(activity, "databases and Redis", 0));
            var data = stack.Databases.Select(d => BackupDatabaseAsync(d, temporary, reporter, cancellationToken))
                .Concat(stack.Redis.Select(r => BackupRedisAsync(r, temporary, reporter, cancellationToken)))
                .ToList();
            var items = (await Task.WhenAll(data).ConfigureAwait(false)).ToList();
            reporter.Progress(new OperationProgress(activity, "configuration files and containers", 80));
            items.AddRange(CopyConfiguration(stack.Configuration, temporary));
            items.AddRange(await CaptureContainersAsync(stack, temporary, cancellationToken).ConfigureAwait(false));

            var manifest = new RollbackManifest
            {
                Timestamp = timestamp,
                Name = name,
                Stack = stack.Name,
                Inventory = stack.Inventory.Path,
                SafetyFor = safetyFor,
                StartedAt = startedAt,
                FinishedAt = DateTimeOffset.UtcNow,
                Items = items,
                Files = await ListFilesAsync(temporary, cancellationToken).ConfigureAwait(false),
            };
            await WriteDurablyAsync(Path.Combine(temporary, RollbackManifest.FileName), manifest.ToJson(), cancellationToken).ConfigureAwait(false);
            var manifestSha = await ChecksumFile.ComputeAsync(Path.Combine(temporary, RollbackManifest.FileName), cancellationToken).ConfigureAwait(false);
            var sums = new StringBuilder();
            foreach (var file in manifest.Files)
            {
                sums.Append(CultureInfo.InvariantCulture, $"{file.Sha256}  {file.Path}\n");
            }

            sums.Append(CultureInfo.InvariantCulture, $"{manifestSha}  {RollbackManifest.FileName}\n");
            await WriteDurablyAsync(Path.Combine(temporary, RollbackManifest.ChecksumsFileName), sums.ToString(), cancellationToken).ConfigureAwait(false);

            // The rename is the commit: before it, nothing in the folder looks like a restore point.
            Directory.Move(temporary, final);
            reporter.Progress(new OperationProgress(activity, "Done", 100, Completed: true));
            reporter.Verbose($"Restore point {final}: {items.Count} items, {manifest.Files.Sum(f => f.SizeBytes)} bytes.");
            if (keepLast is int keep)
            {
                RollbackPointCatalog.Prune(root, keep, safety: safetyFor is not null, reporter);
            }

            // Written from the bytes as they were hashed: Valid by construction.
            return RollbackPointCatalog.Checked(RollbackPointCatalog.Describe(final, manifest), RollbackPointVerification.Valid, Array.Empty<string>(), clock.Elapsed);
        }

        // Points are named by the second they start, claimed through their work folder: a second one within the same
        // second (in this process or another) takes the next.
        private static async Task<(DateTimeOffset StartedAt, WorkFolder Work)> ClaimTimestampAsync(string root, CancellationToken cancellationToken)
        {
            for (var attempt = 0; ; attempt++)
            {
                var now = DateTimeOffset.UtcNow;
                var timestamp = RollbackPointFolder.Timestamp(now);
                var work = WorkFolder.TryClaim(root, timestamp);
                if (work is not null && !Directory.Exists(Path.Combine(root, timestamp)))
                {
                    return (now, work);
                }

                work?.Dispose();
                if (attempt == 4)
                {
                    throw new OpsRunbookException(RollbackErrors.RollbackPointExists, FailureCategory.ResourceExists,
                        $"The restore point {Path.Combine(root, timestamp)} exists already, or is being taken.", root, "Run it again in a moment.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(1000 - now.Millisecond + 10), cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<RollbackManifest.Item> BackupDatabaseAsync(RollbackDatabase database, string folder, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var target = Path.Combine(folder, "database", RollbackPointFolder.SafeName(database.Service));
            // Uncompressed (-Z0), as seed 003's pg_dumpall is: a point is there to be restored fast, and compressing
            // took two thirds of a 1 GB dump's time, in the safety point of every rollback too.
            var outcome = await new DatabaseBackupWriter(database.Connector, _environment)
                .BackupAsync(new BackupRequest(target, null, BackupFormat.Custom, null, null, null, null, Compression: 0), reporter, cancellationToken).ConfigureAwait(false);
            return new RollbackManifest.Item
            {
                Component = RollbackComponent.Database,
                Service = database.Service,
                File = RollbackPointFolder.Relative(folder, outcome.Backup.Path),
                Source = outcome.Backup.Database,
                Detail = $"database {outcome.Backup.Database} on {database.Connector.Server}, {outcome.Backup.Tables.Length} tables",
            };
        }

        private async Task<RollbackManifest.Item> BackupRedisAsync(RedisTarget redis, string folder, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var target = Path.Combine(folder, "redis", RollbackPointFolder.SafeName(redis.Name) + ".rdb");
            PrivateFiles.CreateFolder(Path.GetDirectoryName(target)!);
            using var session = await RedisSession.OpenAsync(redis.Connection, RedisSession.DefaultTimeout, reporter, cancellationToken).ConfigureAwait(false);
            var backup = await new RedisBackupMaker(session, _environment).BackupAsync(
                new RedisBackupRequest(target, redis.Container, redis.DockerHost, RedisBackupMaker.DefaultSaveTimeout, ContainerIfNotLocal: true),
                reporter, cancellationToken).ConfigureAwait(false);
            return new RollbackManifest.Item
            {
                Component = RollbackComponent.Redis,
                Service = redis.Name,
                File = RollbackPointFolder.Relative(folder, backup.Path),
                Source = backup.Server,
                Detail = $"{backup.Server}, RDB version {backup.RdbVersion}" + (redis.Container is null ? string.Empty : $", container {redis.Container}"),
            };
        }

        private static IEnumerable<RollbackManifest.Item> CopyConfiguration(IReadOnlyList<string> files, string folder)
        {
            var items = new List<RollbackManifest.Item>();
            CheckConfiguration(files);
            for (var index = 0; index < files.Count; index++)
            {
                var source = files[index];
                // Numbered, so two files of the same name from different folders do not meet.
                var copy = Path.Combine(folder, "config", $"{index + 1}-{Path.GetFileName(source)}");
                PrivateFiles.CreateFolder(Path.GetDirectoryName(copy)!);
                // The copy is private whatever the file's mode: the mode is in the manifest, and a rollback gives it back.
                PrivateFiles.Copy(source, copy);
                var mode = FileModes.Get(source);
                items.Add(new RollbackManifest.Item
                {
                    Component = RollbackComponent.Config,
                    Service = Path.GetFileName(source),
                    File = RollbackPointFolder.Relative(folder, copy),
                    Source = source,
                    Mode = Convert.ToString((int)mode, 8),
                    Detail = source,
                });
            }

            return items;
        }

        private static void CheckConfiguration(IReadOnlyList<string> files)
        {
            foreach (var missing in files.Where(f => !File.Exists(f)))
            {
                throw new OpsRunbookException(RollbackErrors.ConfigFileNotFound, FailureCategory.ObjectNotFound,
                    $"The configuration file '{missing}' the inventory lists does not exist.", missing,
                    "Correct the inventory's Configuration list, or put the file back.");
            }
        }

        private async Task<IEnumerable<RollbackManifest.Item>> CaptureContainersAsync(RollbackStack stack, string folder, CancellationToken cancellationToken)
        {
            if (stack.Containers.Count == 0)
            {
                return Array.Empty<RollbackManifest.Item>();
            }

            using var docker = DockerConnection.Open(stack.Inventory.DockerHost, _environment);
            var recreator = new ContainerRecreator(docker, _environment);
            var items = new List<RollbackManifest.Item>();
            foreach (var container in stack.Containers)
            {
                var settings = await recreator.CaptureAsync(container.Container, cancellationToken).ConfigureAwait(false);
                var file = Path.Combine(folder, "containers", RollbackPointFolder.SafeName(container.Service) + ".json");
                PrivateFiles.CreateFolder(Path.GetDirectoryName(file)!);
                await WriteDurablyAsync(file, settings.ToJson(), cancellationToken).ConfigureAwait(false);
                items.Add(new RollbackManifest.Item
                {
                    Component = RollbackComponent.Image,
                    Service = container.Service,
                    File = RollbackPointFolder.Relative(folder, file),
                    Source = container.Container,
                    Detail = $"container {settings.Name} on {settings.ImageName} ({settings.ImageId})",
                });
            }

            return items;
        }

        // Files our engines wrote a sidecar for were hashed as they streamed; the rest are hashed here.
        private static async Task<List<RollbackManifest.FileEntry>> ListFilesAsync(string folder, CancellationToken cancellationToken)
        {
            var entries = new List<RollbackManifest.FileEntry>();
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                entries.Add(new RollbackManifest.FileEntry
                {
                    Path = RollbackPointFolder.Relative(folder, file),
                    Sha256 = ChecksumFile.Read(file) ?? await ChecksumFile.ComputeAsync(file, cancellationToken).ConfigureAwait(false),
                    SizeBytes = new FileInfo(file).Length,
                });
            }

            return entries;
        }

        private static async Task WriteDurablyAsync(string path, string text, CancellationToken cancellationToken)
        {
            await using var stream = PrivateFiles.Create(path, 4096, FileOptions.Asynchronous);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
    }
}
