using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Engine.Redis
{
    /// <param name="Path">A file to write, or an existing folder to write redis-HOST-PORT-TIME.rdb into.</param>
    /// <param name="Container">The container the server runs in: the snapshot is copied out of it through the Docker Engine API.</param>
    /// <param name="DockerHost">That container's daemon; null for DOCKER_HOST or the local socket.</param>
    /// <param name="SaveTimeout">How long the server may take to write its snapshot.</param>
    /// <param name="ContainerIfNotLocal">Use the container only when the snapshot is not on this machine (an inventory's Container).</param>
    public sealed record RedisBackupRequest(string Path, string? Container, string? DockerHost, TimeSpan SaveTimeout, bool ContainerIfNotLocal = false);

    /// <summary>
    /// The runbooks' `redis-cli BGSAVE`, finished: save a snapshot, wait for it, then copy the RDB file from the
    /// server's dir, from this machine's file system or out of the server's container, into a checked backup file
    /// with a .sha256 sidecar (<see cref="RdbBackupWriter"/>).
    /// </summary>
    public sealed class RedisBackupMaker
    {
        public static readonly TimeSpan DefaultSaveTimeout = TimeSpan.FromMinutes(10);

        // The file must be the one just saved: written no earlier than this before LASTSAVE.
        private static readonly TimeSpan SaveClockSlack = TimeSpan.FromSeconds(10);

        private readonly RedisSession _session;
        private readonly Func<string, string?> _environment;

        public RedisBackupMaker(RedisSession session, Func<string, string?> environment)
        {
            _session = session;
            _environment = environment;
        }

        public async Task<RedisBackup> BackupAsync(RedisBackupRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var server = ServerToSave();
            if (!IsFolder(request.Path))
            {
                // Before the save, not after it: a backup that cannot be written is not started.
                RdbBackupWriter.ThrowIfTaken(System.IO.Path.GetFullPath(request.Path));
            }

            var endpoint = RedisSession.Endpoint(server);
            var snapshot = await new RedisSnapshotter(_session).SaveAsync(server, request.SaveTimeout, reporter, cancellationToken).ConfigureAwait(false);
            var destination = Destination(request.Path, endpoint, snapshot.SavedAt);

            RdbBackupFile file;
            string source;
            var local = LocalSnapshotProblem(snapshot);
            if (request.Container is string container && (local is not null || !request.ContainerIfNotLocal))
            {
                source = $"{snapshot.Path} in the container {container}";
                reporter.Verbose($"Copying {source} to {destination}.");
                using var docker = DockerConnection.Open(request.DockerHost, _environment);
                var files = new ContainerFiles(docker);
                if (await files.SizeAsync(container, snapshot.Path, cancellationToken).ConfigureAwait(false) is null)
                {
                    throw NotReachable(snapshot, $"the container {container} has no file {snapshot.Path}");
                }

                file = await RdbBackupWriter.WriteAsync(destination,
                    (stream, token) => files.CopyOutAsync(container, snapshot.Path, stream, token), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                source = snapshot.Path;
                if (local is not null)
                {
                    throw NotReachable(snapshot, local);
                }

                reporter.Verbose($"Copying {source} to {destination}.");
                file = await RdbBackupWriter.WriteAsync(destination, async (stream, token) =>
                {
                    // The server may replace the file with a newer snapshot meanwhile; the open handle keeps reading this one.
                    await using var rdb = new FileStream(snapshot.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
                    await rdb.CopyToAsync(stream, token).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            }

            reporter.Verbose($"Wrote {file.Path} ({file.SizeBytes} bytes, RDB version {file.RdbVersion}) and {file.ChecksumPath}.");
            return new RedisBackup(file.Path, endpoint)
            {
                ChecksumPath = file.ChecksumPath,
                SizeBytes = file.SizeBytes,
                Sha256 = file.Sha256,
                RdbVersion = file.RdbVersion,
                Source = source,
                SavedAt = snapshot.SavedAt,
                Duration = clock.Elapsed,
            };
        }

        /// <summary>The server to save: the one server of the connection, else its one primary.</summary>
        private StackExchange.Redis.IServer ServerToSave()
        {
            var servers = _session.Servers;
            if (servers.Count == 1)
            {
                return servers[0];
            }

            var primaries = _session.RequirePrimaries("a backup");
            return primaries.Count == 1
                ? primaries[0]
                : throw new OpsRunbookException(RedisErrors.RedisBackupServerAmbiguous, FailureCategory.InvalidArgument,
                    $"{_session.DisplayTarget} reaches {primaries.Count} primaries ({string.Join(", ", primaries.Select(RedisSession.Endpoint))}); a backup is of one server.",
                    _session.DisplayTarget, "Give the connection string of one server (host:port) for each backup.");
        }

        /// <summary>The backup's file: -Path itself, or inside -Path when it is a folder.</summary>
        internal static string Destination(string path, string endpoint, DateTimeOffset savedAt)
        {
            if (!IsFolder(path))
            {
                return System.IO.Path.GetFullPath(path);
            }

            var safe = new string(endpoint.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' ? c : '-').ToArray()).Trim('-');
            var stamp = savedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            var name = System.IO.Path.GetFullPath(System.IO.Path.Combine(path, $"redis-{safe}-{stamp}"));
            // LASTSAVE has whole seconds: a second backup within the same second gets a number.
            for (var n = 1; n < 100; n++)
            {
                var candidate = n == 1 ? name + ".rdb" : $"{name}-{n}.rdb";
                if (!File.Exists(candidate) && !File.Exists(candidate + ".sha256"))
                {
                    return candidate;
                }
            }

            return name + ".rdb";
        }

        private static bool IsFolder(string path) =>
            Directory.Exists(path) || path.EndsWith('/') || path.EndsWith(System.IO.Path.DirectorySeparatorChar);

        // A path on the server is the same file here only when it exists here and was written by this save. Null when it is.
        private static string? LocalSnapshotProblem(RedisSnapshot snapshot)
        {
            var local = new FileInfo(snapshot.Path);
            if (!local.Exists)
            {
                return $"there is no {snapshot.Path} on this machine";
            }

            var written = new DateTimeOffset(local.LastWriteTimeUtc, TimeSpan.Zero);
            return written < snapshot.SavedAt - SaveClockSlack
                ? $"{snapshot.Path} on this machine was written at {written.ToLocalTime():yyyy-MM-dd HH:mm:ss}, before the server's save at {snapshot.SavedAt:yyyy-MM-dd HH:mm:ss}, so it is another server's file"
                : null;
        }

        private static OpsRunbookException NotReachable(RedisSnapshot snapshot, string why) =>
            new(RedisErrors.RedisBackupFileNotReachable, FailureCategory.ObjectNotFound,
                $"The server saved its snapshot to {snapshot.Path}, but {why}.", snapshot.Path,
                "Run the backup where the server's dir is reachable, or give -Container with the name of the container that runs the server.");
    }
}
