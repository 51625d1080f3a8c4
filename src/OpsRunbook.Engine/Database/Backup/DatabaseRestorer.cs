using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <param name="TargetDatabase">Null for the database the backup was made of.</param>
    /// <param name="Jobs">pg_restore -j for custom-format dumps.</param>
    /// <param name="AllowUnverified">Restore a file that has no .sha256 sidecar to check.</param>
    /// <param name="NoOwner">pg_restore --no-owner --no-acl: objects belong to the restoring user.</param>
    public sealed record RestoreRequest(string BackupPath, string? TargetDatabase, int Jobs, string? ToolPath, bool AllowUnverified, bool NoOwner);

    /// <summary>
    /// Restores without risking what is there: the checksum is checked before anything is touched; the dump is
    /// restored into a new scratch database and its row counts checked; only then is an existing database
    /// swapped out (its sessions ended, renamed away, the scratch renamed in, the old one dropped). A failure
    /// at any step before the swap leaves the target as it was.
    /// </summary>
    public sealed class DatabaseRestorer
    {
        private readonly DatabaseConnector _connector;
        private readonly Func<string, string?> _environment;

        /// <param name="connector">Any database of the server; a maintenance database is used for CREATE, DROP and RENAME.</param>
        public DatabaseRestorer(DatabaseConnector connector, Func<string, string?> environment)
        {
            _connector = connector;
            _environment = environment;
        }

        public string Server => _connector.Server;

        /// <summary>Checks the file and says what it holds; refuses a corrupt one, and one without a sidecar unless allowed.</summary>
        public static async Task<(DatabaseBackup Backup, BackupVerification Checksum, DumpKind Kind)> InspectAsync(string path, string? database, bool allowUnverified, CancellationToken cancellationToken)
        {
            if (!File.Exists(path))
            {
                throw new OpsRunbookException("BackupNotFound", FailureCategory.ObjectNotFound, $"The backup file '{path}' does not exist.", path,
                    "Get-DatabaseBackup -Path <folder> lists the backups there are.");
            }

            var described = BackupCatalog.Describe(path);
            var name = database ?? described?.Database ?? throw Failures.InvalidArgument("TargetDatabaseRequired",
                $"The database of '{Path.GetFileName(path)}' cannot be told from its name.", path, "Give -TargetDatabase.");
            var backup = described ?? new DatabaseBackup(Path.GetFullPath(path), name) { SizeBytes = new FileInfo(path).Length };
            var verified = await BackupCatalog.VerifyAsync(backup, cancellationToken).ConfigureAwait(false);
            if (verified.Verification == BackupVerification.Corrupt)
            {
                throw new OpsRunbookException("BackupCorrupt", FailureCategory.InvalidData,
                    $"The backup '{path}' does not match its .sha256 sidecar: it is corrupt or truncated. Nothing was restored and no database was touched.",
                    path, "Restore an older backup (Get-DatabaseBackup -Verify shows which are valid).");
            }

            if (verified.Verification == BackupVerification.Unverified && !allowUnverified)
            {
                throw new OpsRunbookException("BackupUnverified", FailureCategory.InvalidData,
                    $"The backup '{path}' has no .sha256 sidecar, so it cannot be checked before restoring.", path,
                    "Restore a backup with a sidecar, or add -AllowUnverified to restore this one unchecked.");
            }

            return (verified, verified.Verification, DumpKinds.Detect(path));
        }

        public async Task<bool> DatabaseExistsAsync(string database, CancellationToken cancellationToken)
        {
            await using var connection = await OpenMaintenanceAsync(database, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name)", connection);
            command.Parameters.AddWithValue("name", database);
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        /// <param name="confirm">
        /// Asked once the file checks and before anything changes, with the target and whether it exists (and so
        /// would be replaced); false leaves everything as it is and returns null.
        /// </param>
        /// <param name="beforeSwap">
        /// Awaited once the scratch database is restored and checked, before the target is touched; a failure drops
        /// the scratch database and leaves the target as it is.
        /// </param>
        public async Task<DatabaseRestoreResult?> RestoreAsync(RestoreRequest request, Func<string, bool, CancellationToken, Task<bool>> confirm,
            IOperationReporter reporter, CancellationToken cancellationToken, Func<CancellationToken, Task>? beforeSwap = null)
        {
            var clock = Stopwatch.StartNew();
            var (backup, checksum, kind) = await InspectAsync(request.BackupPath, request.TargetDatabase, request.AllowUnverified, cancellationToken).ConfigureAwait(false);
            var target = request.TargetDatabase ?? backup.Database;
            if (!await confirm(target, await DatabaseExistsAsync(target, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var scratch = ScratchName(target, "restore");
            reporter.Verbose($"{backup.Name}: checksum {checksum}; restoring into the new database {scratch} first.");
            var checks = await RestoreIntoNewAsync(backup, kind, scratch, request, reporter, cancellationToken).ConfigureAwait(false);
            if (beforeSwap is not null)
            {
                try
                {
                    await beforeSwap(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await DropQuietlyAsync(scratch).ConfigureAwait(false);
                    throw;
                }
            }

            var (replaced, ended) = await SwapInAsync(scratch, target, reporter, cancellationToken).ConfigureAwait(false);
            return new DatabaseRestoreResult(backup.Path, target)
            {
                Server = Server,
                Checksum = checksum,
                Replaced = replaced,
                SessionsEnded = ended,
                Tables = checks,
                RowCountsVerified = backup.Tables.Length > 0,
                Jobs = kind == DumpKind.Custom ? Math.Max(1, request.Jobs) : 1,
                Duration = clock.Elapsed,
            };
        }

        /// <summary>
        /// Creates <paramref name="database"/>, restores the dump into it and checks its row counts against the
        /// manifest. On any failure the new database is dropped again.
        /// </summary>
        internal async Task<TableRowCheck[]> RestoreIntoNewAsync(DatabaseBackup backup, DumpKind kind, string database, RestoreRequest request,
            IOperationReporter reporter, CancellationToken cancellationToken)
        {
            await ExecuteAsync($"CREATE DATABASE {Quote(database)} TEMPLATE template0", database, cancellationToken).ConfigureAwait(false);
            try
            {
                var clock = Stopwatch.StartNew();
                await RunRestoreToolAsync(backup, kind, database, request, reporter, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"Restored {backup.Name} into {database} in {clock.Elapsed.TotalSeconds:0.0} s; checking row counts.");
                clock.Restart();
                var checks = await CompareAsync(database, backup.Tables, restored: true, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"Checked the row counts of {checks.Length} tables in {clock.Elapsed.TotalSeconds:0.0} s.");
                var wrong = checks.Where(c => !c.Matches).ToList();
                if (backup.Tables.Length > 0 && wrong.Count > 0)
                {
                    throw new OpsRunbookException("RestoreVerificationFailed", FailureCategory.InvalidResult,
                        $"After restoring {backup.Name}, {wrong.Count} tables do not have the rows the manifest records: " +
                        string.Join("; ", wrong.Take(5).Select(w => w.ToString())) + ". The target database was not touched.",
                        backup.Path, "Check the backup with Test-DatabaseBackup; restore an older one.");
                }

                return checks;
            }
            catch
            {
                await DropQuietlyAsync(database).ConfigureAwait(false);
                throw;
            }
        }

        /// <param name="restored">The database holds only what a restore put in it: the statistics' insert counts are exact.</param>
        internal async Task<TableRowCheck[]> CompareAsync(string database, IReadOnlyList<BackupTableRows> expected, bool restored, CancellationToken cancellationToken)
        {
            await using var connection = await _connector.ForDatabase(database).OpenAsync("restore check", cancellationToken, commandTimeout: TimeSpan.Zero).ConfigureAwait(false);
            var byName = expected.ToDictionary(e => e.Table, e => e.Rows);
            var counted = restored
                ? await TableRowCounter.CountRestoredAsync(connection, byName, cancellationToken).ConfigureAwait(false)
                : await TableRowCounter.CountAsync(connection, cancellationToken).ConfigureAwait(false);
            var actual = counted.ToDictionary(t => t.Table, t => t.Rows);
            var names = expected.Select(e => e.Table).Union(actual.Keys).OrderBy(n => n, StringComparer.Ordinal);
            return names.Select(n => new TableRowCheck(n, byName.TryGetValue(n, out var e) ? e : null, actual.TryGetValue(n, out var a) ? a : null)).ToArray();
        }

        internal async Task DropQuietlyAsync(string database)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await ExecuteAsync($"DROP DATABASE IF EXISTS {Quote(database)} WITH (FORCE)", database, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OpsRunbookException or OperationCanceledException)
            {
                // The first failure is the one to report; the leftover scratch database is named in it by its name.
            }
        }

        private async Task RunRestoreToolAsync(DatabaseBackup backup, DumpKind kind, string database, RestoreRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var tools = PostgresTools.Find(await ServerMajorAsync(cancellationToken).ConfigureAwait(false), request.ToolPath, _environment);
            var environment = LibpqArguments.Environment(_connector.Connection);
            var secrets = new[] { _connector.Connection.CreateBuilder().Password };
            ChildOutcome outcome;
            reporter.Progress(new OperationProgress($"Restoring {backup.Name}", $"into {database} with {(kind == DumpKind.Custom ? "pg_restore" : "psql")}", -1));
            if (kind == DumpKind.Custom)
            {
                var arguments = new List<string> { "--exit-on-error" };
                if (request.Jobs > 1)
                {
                    arguments.AddRange(new[] { "-j", request.Jobs.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                }

                if (request.NoOwner)
                {
                    arguments.AddRange(new[] { "--no-owner", "--no-acl" });
                }

                arguments.AddRange(LibpqArguments.Connection(_connector.Connection, database, inContainer: false));
                arguments.Add(backup.Path);
                outcome = await ChildProcess.RunAsync(tools.PgRestore, arguments, environment, null, null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var arguments = new List<string> { "-X", "-q", "-v", "ON_ERROR_STOP=1" };
                arguments.AddRange(LibpqArguments.Connection(_connector.Connection, database, inContainer: false));
                await using var file = new FileStream(backup.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using Stream sql = kind == DumpKind.GzipSql ? new GZipStream(file, CompressionMode.Decompress) : file;
                outcome = await ChildProcess.RunAsync(tools.Psql, arguments, environment, Stream.Null, sql, cancellationToken).ConfigureAwait(false);
            }

            reporter.Progress(new OperationProgress($"Restoring {backup.Name}", "Done", 100, Completed: true));
            if (outcome.ExitCode != 0)
            {
                var last = string.Join(" ", outcome.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
                throw new OpsRunbookException("RestoreFailed", FailureCategory.InvalidResult,
                    $"Restoring {backup.Name} failed (exit code {outcome.ExitCode}): {SecretRedactor.Redact(last, secrets)}. The target database was not touched.",
                    backup.Path, "Read the tool's message; a missing role can be created first, or restore with -NoOwner.");
            }
        }

        /// <summary>Puts the restored scratch database in the target's place; returns whether one was replaced and how many sessions were ended.</summary>
        private async Task<(bool Replaced, int SessionsEnded)> SwapInAsync(string scratch, string target, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            if (!await DatabaseExistsAsync(target, cancellationToken).ConfigureAwait(false))
            {
                await RenameAsync(scratch, target, cancellationToken).ConfigureAwait(false);
                return (false, 0);
            }

            var old = ScratchName(target, "replaced");
            await ExecuteAsync($"ALTER DATABASE {Quote(target)} WITH ALLOW_CONNECTIONS false", target, cancellationToken).ConfigureAwait(false);
            var ended = 0;
            try
            {
                ended = await EndSessionsAsync(target, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"Ended {ended} sessions of {target}; swapping the restored copy in.");
                await SwapNamesAsync(target, old, scratch, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await ExecuteAsync($"ALTER DATABASE {Quote(target)} WITH ALLOW_CONNECTIONS true", target, CancellationToken.None).ConfigureAwait(false);
                await DropQuietlyAsync(scratch).ConfigureAwait(false);
                throw;
            }

            await DropQuietlyAsync(old).ConfigureAwait(false);
            return (true, ended);
        }

        // Both renames in one transaction: whatever stops the process, the target is the old copy or the new one, never missing.
        private async Task SwapNamesAsync(string target, string old, string scratch, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var connection = await OpenMaintenanceAsync(target, cancellationToken, scratch).ConfigureAwait(false);
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    foreach (var sql in new[] { $"ALTER DATABASE {Quote(target)} RENAME TO {Quote(old)}", $"ALTER DATABASE {Quote(scratch)} RENAME TO {Quote(target)}" })
                    {
                        await using var command = new NpgsqlCommand(sql, connection, transaction);
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (PostgresException ex) when (attempt < 10 && ex.SqlState == "55006")
                {
                    // A session that just closed may linger for a moment on the server, and RENAME refuses while any is there.
                    await EndSessionsAsync(target, cancellationToken).ConfigureAwait(false);
                    await EndSessionsAsync(scratch, cancellationToken).ConfigureAwait(false);
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (DatabaseFailure.IsDriverFailure(ex) && !cancellationToken.IsCancellationRequested)
                {
                    throw DatabaseFailure.Running(ex, _connector.Connection, _connector.Timeout, $"swap {scratch} in for {target}", target,
                        "Restoring needs a role that may create, rename and drop databases (CREATEDB and owning the target, or a superuser).");
                }
            }
        }

        // A session that just closed may linger for a moment on the server, and RENAME refuses while any is there.
        private async Task RenameAsync(string from, string to, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await ExecuteAsync($"ALTER DATABASE {Quote(from)} RENAME TO {Quote(to)}", from, cancellationToken, to).ConfigureAwait(false);
                    return;
                }
                catch (OpsRunbookException ex) when (attempt < 10 && ex.InnerException is PostgresException { SqlState: "55006" })
                {
                    await EndSessionsAsync(from, cancellationToken).ConfigureAwait(false);
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async Task<int> EndSessionsAsync(string database, CancellationToken cancellationToken)
        {
            await using var connection = await OpenMaintenanceAsync(database, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()", connection);
            command.Parameters.AddWithValue("name", database);
            return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        private async Task<int> ServerMajorAsync(CancellationToken cancellationToken)
        {
            await using var connection = await OpenMaintenanceAsync(null, cancellationToken).ConfigureAwait(false);
            return PostgresTools.ServerMajor(connection.PostgreSqlVersion.ToString());
        }

        private async Task ExecuteAsync(string sql, string database, CancellationToken cancellationToken, string? alsoAvoid = null)
        {
            await using var connection = await OpenMaintenanceAsync(database, cancellationToken, alsoAvoid).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (DatabaseFailure.IsDriverFailure(ex) && !cancellationToken.IsCancellationRequested)
            {
                throw DatabaseFailure.Running(ex, _connector.Connection, _connector.Timeout, $"run {sql.Split(' ')[0]} {sql.Split(' ')[1]} on {database}", database,
                    "Restoring needs a role that may create, rename and drop databases (CREATEDB and owning the target, or a superuser).");
            }
        }

        // CREATE, RENAME and DROP cannot run in the database they act on (nor in one closed to connections for the
        // swap): use the connection's own database unless it is one of those, else postgres.
        private Task<NpgsqlConnection> OpenMaintenanceAsync(string? avoid, CancellationToken cancellationToken, string? alsoAvoid = null)
        {
            var own = _connector.Connection.Database;
            bool Touched(string? name) => name is not null && (own == name || own!.StartsWith(name + "__", StringComparison.Ordinal) || name.StartsWith(own + "__", StringComparison.Ordinal));
            var maintenance = string.IsNullOrEmpty(own) || Touched(avoid) || Touched(alsoAvoid) ? "postgres" : own;
            return _connector.ForDatabase(maintenance).OpenAsync("restore", cancellationToken);
        }

        /// <summary>
        /// "orders__restore_20261127150102_3fa9", kept within PostgreSQL's 63-byte names. The random part keeps two in
        /// the same second apart: a restore started again at once after one was killed finds the other's still there.
        /// </summary>
        internal static string ScratchName(string database, string purpose)
        {
            var suffix = $"__{purpose}_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid().ToString("N")[..4]}";
            var room = 63 - suffix.Length;
            return (database.Length > room ? database[..room] : database) + suffix;
        }

        internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
    }

    public enum DumpKind
    {
        Custom,
        GzipSql,
        PlainSql,
    }

    internal static class DumpKinds
    {
        /// <summary>By the first bytes: pg_dump -Fc writes "PGDMP"; gzip starts 1f 8b; anything else is taken for SQL text.</summary>
        public static DumpKind Detect(string path)
        {
            Span<byte> head = stackalloc byte[5];
            using var file = File.OpenRead(path);
            var read = file.Read(head);
            return read >= 5 && head.SequenceEqual("PGDMP"u8) ? DumpKind.Custom
                : read >= 2 && head[0] == 0x1f && head[1] == 0x8b ? DumpKind.GzipSql
                : DumpKind.PlainSql;
        }
    }
}
