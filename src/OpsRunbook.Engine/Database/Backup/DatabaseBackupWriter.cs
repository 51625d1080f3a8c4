using System;
using System.Collections.Generic;
using System.Data;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <param name="Folder">Where the backup goes; made when missing.</param>
    /// <param name="Database">Null for the database the connection names.</param>
    /// <param name="Container">Run pg_dump inside this container (its own socket), streaming its output here.</param>
    /// <param name="KeepLast">After success, remove this database's older backups beyond the newest N.</param>
    /// <param name="Compression">pg_dump -Z for the custom format; pg_dump's own default when null.</param>
    public sealed record BackupRequest(string Folder, string? Database, BackupFormat Format, string? ToolPath, string? Container, string? DockerHost, int? KeepLast,
        int? Compression = null);

    public sealed record BackupOutcome(DatabaseBackup Backup, IReadOnlyList<DatabaseBackup> Removed);

    /// <summary>
    /// Makes a backup that can be trusted. pg_dump's output is hashed while it streams to a hidden temporary
    /// file; the row counts of every table are taken in the very snapshot pg_dump dumps (pg_export_snapshot);
    /// the .sha256 sidecar and the manifest are written, and the backup is renamed into place last. Any
    /// failure or cancellation kills pg_dump and removes what was written: nothing left looks like a backup.
    /// </summary>
    public sealed class DatabaseBackupWriter
    {
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

        private readonly DatabaseConnector _connector;
        private readonly Func<string, string?> _environment;

        public DatabaseBackupWriter(DatabaseConnector connector, Func<string, string?> environment)
        {
            _connector = connector;
            _environment = environment;
        }

        public async Task<BackupOutcome> BackupAsync(BackupRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var database = request.Database ?? await _connector.DatabaseNameAsync(cancellationToken).ConfigureAwait(false);
            var connector = _connector.ForDatabase(database);
            var folder = PrepareFolder(request.Folder);
            BackupFiles.SweepAbandoned(folder, reporter);
            var (startedAt, finalPath, work) = await ClaimNameAsync(folder, database, request.Format, cancellationToken).ConfigureAwait(false);
            using var claimed = work;

            // The snapshot pg_dump dumps stays open here until it is done, so the row counts are of exactly that data.
            await using var snapshot = await connector.OpenAsync("backup", cancellationToken, commandTimeout: TimeSpan.Zero).ConfigureAwait(false);
            var properties = await ReadPropertiesAsync(snapshot, database, reporter, cancellationToken).ConfigureAwait(false);
            await using var transaction = await snapshot.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            var (snapshotId, serverVersion) = await ExportSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
            var (tool, toolVersion) = await FindToolAsync(request, PostgresTools.ServerMajor(serverVersion), cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"Backing up {database} from {connector.Server} (PostgreSQL {serverVersion}) with {toolVersion}{(request.Container is null ? string.Empty : " in " + request.Container)}.");

            var temporary = Path.Combine(work.Path, "dump");
            var temporarySidecar = Path.Combine(work.Path, "sha256");
            var temporaryManifest = Path.Combine(work.Path, "json");
            var committed = new List<string>();
            try
            {
                var (sha256, size, tables) = await DumpWritingAsync(request, connector, database, snapshot, snapshotId, tool, temporary, reporter, cancellationToken).ConfigureAwait(false);
                var finishedAt = DateTimeOffset.UtcNow;
                var manifest = new BackupManifest
                {
                    Database = database,
                    Server = connector.Server,
                    ServerVersion = serverVersion,
                    ToolVersion = toolVersion,
                    Format = request.Format,
                    File = Path.GetFileName(finalPath),
                    Container = request.Container,
                    StartedAt = startedAt,
                    FinishedAt = finishedAt,
                    SizeBytes = size,
                    Sha256 = sha256,
                    Tables = tables,
                    DatabaseProperties = properties,
                };
                await WriteDurablyAsync(temporarySidecar, ChecksumFile.Format(sha256, finalPath), cancellationToken).ConfigureAwait(false);
                await WriteDurablyAsync(temporaryManifest, manifest.ToJson(), cancellationToken).ConfigureAwait(false);

                // The backup file's rename is the commit: before it, nothing in the folder looks like a backup.
                foreach (var (from, to) in new[] { (temporarySidecar, ChecksumFile.SidecarPath(finalPath)), (temporaryManifest, BackupFiles.ManifestPath(finalPath)) })
                {
                    File.Move(from, to);
                    committed.Add(to);
                }

                File.Move(temporary, finalPath);
                reporter.Verbose($"Wrote {Path.GetFileName(finalPath)}: {size} bytes, sha256 {sha256}, {tables.Count} tables.");

                var backup = Verified(BackupCatalog.Describe(finalPath)!);
                var removed = request.KeepLast is int keep ? BackupCatalog.Prune(folder, database, keep, finalPath, reporter) : Array.Empty<DatabaseBackup>();
                return new BackupOutcome(backup, removed);
            }
            catch when (!File.Exists(finalPath))
            {
                // Not committed: remove the sidecar or manifest already renamed; the work folder goes with its claim.
                foreach (var leftover in committed)
                {
                    TryDelete(leftover);
                }

                throw;
            }
        }

        /// <summary>
        /// The backup's name, by the second it starts, claimed through its work folder so that two backups started in
        /// the same second (in two processes) never share it: the second one takes the next second.
        /// </summary>
        private static async Task<(DateTimeOffset StartedAt, string FinalPath, WorkFolder Work)> ClaimNameAsync(string folder, string database, BackupFormat format,
            CancellationToken cancellationToken)
        {
            for (var attempt = 0; ; attempt++)
            {
                var startedAt = DateTimeOffset.UtcNow;
                var finalPath = Path.Combine(folder, BackupFiles.FileName(database, startedAt, format));
                var work = WorkFolder.TryClaim(folder, Path.GetFileName(finalPath));
                if (work is not null && !File.Exists(finalPath))
                {
                    return (startedAt, finalPath, work);
                }

                work?.Dispose();
                if (attempt == 4)
                {
                    throw new OpsRunbookException(DatabaseErrors.BackupExists, FailureCategory.ResourceExists,
                        $"The backup '{finalPath}' exists already, or is being written.", finalPath, "Run it again in a moment.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(1000 - startedAt.Millisecond + 10), cancellationToken).ConfigureAwait(false);
            }
        }

        // The sidecar was written from the bytes as they streamed: the backup is Valid by construction.
        private static DatabaseBackup Verified(DatabaseBackup backup) => new(backup.Path, backup.Database)
        {
            Format = backup.Format,
            CreatedAt = backup.CreatedAt,
            SizeBytes = backup.SizeBytes,
            Sha256 = backup.Sha256,
            ServerVersion = backup.ServerVersion,
            ToolVersion = backup.ToolVersion,
            Duration = backup.Duration,
            Tables = backup.Tables,
            Properties = backup.Properties,
            HasManifest = true,
            Verification = BackupVerification.Valid,
        };

        // A write that fails (a full disk) may surface from any write or from the final flush: all of it is one failure.
        private async Task<(string Sha256, long Size, List<BackupManifest.TableRows> Tables)> DumpWritingAsync(BackupRequest request, DatabaseConnector connector,
            string database, NpgsqlConnection snapshot, string snapshotId, string? tool, string temporary, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            try
            {
                return await DumpAsync(request, connector, database, snapshot, snapshotId, tool, temporary, reporter, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new OpsRunbookException(DatabaseErrors.BackupWriteFailed, FailureCategory.WriteError,
                    $"Writing the backup of {database} to '{Path.GetDirectoryName(temporary)}' failed: {ex.Message}. pg_dump was stopped and the partial file removed.",
                    Path.GetDirectoryName(temporary), "Free space in the target folder (or choose another -Path) and run it again.", ex);
            }
        }

        private async Task<(string Sha256, long Size, List<BackupManifest.TableRows> Tables)> DumpAsync(BackupRequest request, DatabaseConnector connector,
            string database, NpgsqlConnection snapshot, string snapshotId, string? tool, string temporary, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var arguments = new List<string> { request.Format == BackupFormat.Custom ? "-Fc" : "-Fp", "--snapshot=" + snapshotId };
            if (request.Compression is int level && request.Format == BackupFormat.Custom)
            {
                arguments.Add($"-Z{level}");
            }

            arguments.AddRange(LibpqArguments.Connection(connector.Connection, database, inContainer: request.Container is not null));
            var environment = LibpqArguments.Environment(connector.Connection);
            var secrets = new[] { connector.Connection.CreateBuilder().Password };

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            FileStream file;
            try
            {
                file = PrivateFiles.Create(temporary, 1 << 20, FileOptions.Asynchronous);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw Unwritable(Path.GetDirectoryName(temporary)!, ex);
            }

            await using (file)
            {
                using var hashing = new HashingStream(file);
                var counting = TableRowCounter.CountAsync(snapshot, stop.Token);
                var progress = ReportProgressAsync(hashing, database, Path.GetFileName(temporary), reporter, stop.Token);
                int exitCode;
                string stderr;
                try
                {
                    if (request.Format == BackupFormat.Sql)
                    {
                        await using var gzip = new GZipStream(hashing, CompressionLevel.Optimal, leaveOpen: true);
                        (exitCode, stderr) = await RunDumpAsync(request, tool, arguments, environment, gzip, stop.Token).ConfigureAwait(false);
                    }
                    else
                    {
                        (exitCode, stderr) = await RunDumpAsync(request, tool, arguments, environment, hashing, stop.Token).ConfigureAwait(false);
                    }

                    await hashing.FlushAsync(stop.Token).ConfigureAwait(false);
                    file.Flush(flushToDisk: true);
                }
                finally
                {
                    stop.Cancel();
                    await SwallowAsync(progress).ConfigureAwait(false);

                    // The count runs on the snapshot's connection: it must be over before anything else uses that
                    // connection or disposes its transaction (a cancelled backup hung there, the two racing).
                    await SwallowAsync(counting).ConfigureAwait(false);
                }

                if (exitCode != 0)
                {
                    // A count that failed (a table the user may not read) aborts the snapshot pg_dump needs: it is the cause to report.
                    if (counting.Exception?.GetBaseException() is { } countFailure && DatabaseFailure.IsDriverFailure(countFailure))
                    {
                        throw DatabaseFailure.Running(countFailure, connector.Connection, connector.Timeout, $"back up {database}", database,
                            "Back up as the owner of every table (or a superuser); pg_dump needs to read them all.");
                    }

                    throw new OpsRunbookException(DatabaseErrors.BackupFailed, FailureCategory.InvalidResult,
                        $"pg_dump of {database} failed (exit code {exitCode}): {SecretRedactor.Redact(LastLines(stderr), secrets)}. No backup was left behind.",
                        database, "Read pg_dump's message; the server's log has more.");
                }

                List<BackupManifest.TableRows> tables;
                try
                {
                    tables = await counting.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Cancelled only by the stop token after the dump ended: count again, the snapshot is still open.
                    tables = await TableRowCounter.CountAsync(snapshot, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (DatabaseFailure.IsDriverFailure(ex) && !cancellationToken.IsCancellationRequested)
                {
                    throw DatabaseFailure.Running(ex, connector.Connection, connector.Timeout, $"count the rows of {database} for the manifest", database);
                }

                return (hashing.Finish(), hashing.BytesWritten, tables);
            }
        }

        private async Task<(int ExitCode, string Stderr)> RunDumpAsync(BackupRequest request, string? tool, List<string> arguments,
            Dictionary<string, string?> environment, Stream output, CancellationToken cancellationToken)
        {
            if (request.Container is null)
            {
                var outcome = await ChildProcess.RunAsync(tool!, arguments, environment, output, null, cancellationToken).ConfigureAwait(false);
                return (outcome.ExitCode, outcome.StandardError);
            }

            using var docker = DockerConnection.Open(request.DockerHost, _environment);
            var command = new List<string> { "pg_dump" };
            command.AddRange(arguments);
            var variables = environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!);
            var exec = await new ContainerExec(docker).RunAsync(request.Container, command, output, variables, null, cancellationToken).ConfigureAwait(false);
            return (exec.ExitCode, exec.StandardError);
        }

        private async Task<(string? Tool, string Version)> FindToolAsync(BackupRequest request, int serverMajor, CancellationToken cancellationToken)
        {
            if (request.Container is null)
            {
                var tools = PostgresTools.Find(serverMajor, request.ToolPath, _environment);
                return (tools.PgDump, tools.Version);
            }

            using var docker = DockerConnection.Open(request.DockerHost, _environment);
            using var output = new MemoryStream();
            var exec = await new ContainerExec(docker).RunAsync(request.Container, new[] { "pg_dump", "--version" }, output, null, null, cancellationToken).ConfigureAwait(false);
            var version = Encoding.UTF8.GetString(output.ToArray()).Trim();
            if (exec.ExitCode != 0 || PostgresTools.MajorOf(version) is not int major || major < serverMajor)
            {
                throw new OpsRunbookException(DatabaseErrors.PgToolNotFound, FailureCategory.NotInstalled,
                    $"The container {request.Container} has no pg_dump of PostgreSQL {serverMajor} or newer ({(exec.ExitCode != 0 ? exec.StandardError : version)}).",
                    request.Container, "Run the backup in the database's own container, or without -Container with a local pg_dump.");
            }

            return (null, version);
        }

        // Read before the snapshot's transaction begins: a failure here must not abort the snapshot pg_dump needs.
        private static async Task<DatabaseProperties?> ReadPropertiesAsync(NpgsqlConnection connection, string database, IOperationReporter reporter,
            CancellationToken cancellationToken)
        {
            try
            {
                return await DatabasePropertiesReader.ReadAsync(connection, database, PostgresTools.ServerMajor(connection.PostgreSqlVersion.ToString()), "source database",
                    connection, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                reporter.Warning($"The properties of {database} (owner, access, settings) could not be read for the manifest: {ex.MessageText}. " +
                    "A restore where no database of that name exists takes those the dump records.");
                return null;
            }
        }

        private static async Task<(string Snapshot, string ServerVersion)> ExportSnapshotAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT pg_export_snapshot(), current_setting('server_version')", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return (reader.GetString(0), reader.GetString(1));
        }

        private static async Task ReportProgressAsync(HashingStream written, string database, string file, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(ProgressInterval, cancellationToken).ConfigureAwait(false);
                reporter.Progress(new OperationProgress($"Backing up {database}", $"{written.BytesWritten / 1048576.0:0.0} MiB written", -1));
            }
        }

        private static string PrepareFolder(string folder)
        {
            try
            {
                return PrivateFiles.CreateFolder(folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                throw Unwritable(folder, ex);
            }
        }

        private static OpsRunbookException Unwritable(string folder, Exception ex) =>
            new(DatabaseErrors.BackupPathUnwritable, FailureCategory.WriteError, $"Cannot write backups to '{folder}': {ex.Message}", folder,
                "Give a -Path on a writable file system with room for the dump.", ex);

        private static async Task WriteDurablyAsync(string path, string text, CancellationToken cancellationToken)
        {
            await using var stream = PrivateFiles.Create(path, 4096, FileOptions.Asynchronous);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }

        private static string LastLines(string text) => string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));

        private static async Task SwallowAsync(Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Its failure is not the one to report.
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
