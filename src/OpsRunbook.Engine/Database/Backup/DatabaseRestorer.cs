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
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <param name="TargetDatabase">Null for the database the backup was made of.</param>
    /// <param name="Jobs">pg_restore -j for custom-format dumps.</param>
    /// <param name="AllowUnverified">Restore a file that has no .sha256 sidecar to check.</param>
    /// <param name="NoOwner">pg_restore --no-owner --no-acl: objects belong to the restoring user.</param>
    public sealed record RestoreRequest(string BackupPath, string? TargetDatabase, int Jobs, string? ToolPath, bool AllowUnverified, bool NoOwner);

    /// <summary>
    /// Restores without risking what is there: the checksum is checked before anything is touched; the dump is
    /// restored into a new scratch database, which gets the target's own properties (owner, access, settings,
    /// locale, comment) and its row counts checked; only then is an existing database swapped out (its sessions
    /// ended, renamed away, the scratch renamed in, the old one dropped). A failure at any step before the swap
    /// leaves the target as it was; only databases this restore created are ever dropped, known by their OID.
    /// </summary>
    public sealed class DatabaseRestorer
    {
        private readonly DatabaseConnector _connector;
        private readonly Func<string, string?> _environment;

        /// <param name="connector">Any database of the server: the restore's own session uses postgres (template1 when postgres itself is restored).</param>
        public DatabaseRestorer(DatabaseConnector connector, Func<string, string?> environment)
        {
            _connector = connector;
            _environment = environment;
        }

        public string Server => _connector.Server;

        internal Func<string, string?> Environment => _environment;

        /// <summary>The restore's own session on the server, which removes what killed restores left; see <see cref="RestoreSession"/>.</summary>
        internal Task<RestoreSession> OpenSessionAsync(string? lockTarget, IOperationReporter reporter, CancellationToken cancellationToken) =>
            RestoreSession.OpenAsync(_connector, lockTarget, reporter, cancellationToken);

        /// <summary>
        /// Checks the file and says what it holds; refuses a corrupt one, one without a sidecar unless allowed, and a
        /// plain SQL one that holds psql commands pg_dump does not write.
        /// </summary>
        public static async Task<(DatabaseBackup Backup, BackupVerification Checksum, DumpKind Kind)> InspectAsync(string path, string? database, bool allowUnverified, CancellationToken cancellationToken)
        {
            if (!File.Exists(path))
            {
                throw new OpsRunbookException(DatabaseErrors.BackupNotFound, FailureCategory.ObjectNotFound, $"The backup file '{path}' does not exist.", path,
                    "Get-DatabaseBackup -Path <folder> lists the backups there are.");
            }

            var described = BackupCatalog.Describe(path);
            var name = database ?? described?.Database ?? throw Failures.InvalidArgument(DatabaseErrors.TargetDatabaseRequired,
                $"The database of '{Path.GetFileName(path)}' cannot be told from its name.", path, "Give -TargetDatabase.");
            var backup = described ?? new DatabaseBackup(Path.GetFullPath(path), name) { SizeBytes = new FileInfo(path).Length };
            var verified = await BackupCatalog.VerifyAsync(backup, cancellationToken).ConfigureAwait(false);
            if (verified.Verification == BackupVerification.Corrupt)
            {
                throw new OpsRunbookException(DatabaseErrors.BackupCorrupt, FailureCategory.InvalidData,
                    $"The backup '{path}' does not match its .sha256 sidecar: it is corrupt or truncated. Nothing was restored and no database was touched.",
                    path, "Restore an older backup (Get-DatabaseBackup -Verify shows which are valid).");
            }

            if (verified.Verification == BackupVerification.Unverified && !allowUnverified)
            {
                throw new OpsRunbookException(DatabaseErrors.BackupUnverified, FailureCategory.InvalidData,
                    $"The backup '{path}' has no .sha256 sidecar, so it cannot be checked before restoring.", path,
                    "Restore a backup with a sidecar, or add -AllowUnverified to restore this one unchecked.");
            }

            var kind = DumpKinds.Detect(path);
            if (kind != DumpKind.Custom)
            {
                await PlainDumpScanner.CheckAsync(path, kind == DumpKind.GzipSql, cancellationToken).ConfigureAwait(false);
            }

            return (verified, verified.Verification, kind);
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
            await using var session = await RestoreSession.OpenAsync(_connector, target, reporter, cancellationToken, sweep: false).ConfigureAwait(false);
            var targetOid = await session.OidOfAsync(target, cancellationToken).ConfigureAwait(false);
            if (!await confirm(target, targetOid is not null, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            // Only once the change is confirmed (-WhatIf changes nothing): what killed restores and backups left goes first.
            await session.SweepAsync(reporter, cancellationToken).ConfigureAwait(false);
            BackupFiles.SweepAbandoned(Path.GetDirectoryName(backup.Path)!, reporter);

            var tools = PostgresTools.Find(session.ServerMajor, request.ToolPath, _environment);
            var properties = await PropertiesAsync(session, target, targetOid is not null, "target database", backup, kind, tools, request.NoOwner, cancellationToken)
                .ConfigureAwait(false);
            var scratch = await session.CreateScratchAsync(target, targetOid, "restore", name => DatabasePropertiesWriter.CreateStatement(name, properties, session.ServerMajor),
                cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"{backup.Name}: checksum {checksum}; restoring into the new database {scratch.Name} first, with the properties {properties}.");
            bool replaced;
            int ended;
            TableRowCheck[] checks;
            try
            {
                checks = await RestoreIntoAsync(session, scratch, backup, kind, tools, request, properties, reporter, cancellationToken).ConfigureAwait(false);
                CheckRows(backup, checks);
                if (beforeSwap is not null)
                {
                    await beforeSwap(cancellationToken).ConfigureAwait(false);
                }

                (replaced, ended) = await SwapInAsync(session, scratch, target, properties.Comment, reporter, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await session.DropQuietlyAsync(scratch.Oid).ConfigureAwait(false);
                throw;
            }

            return new DatabaseRestoreResult(backup.Path, target)
            {
                Server = Server,
                Checksum = checksum,
                Replaced = replaced,
                SessionsEnded = ended,
                Tables = checks,
                RowCountsVerified = backup.Tables.Length > 0,
                Properties = properties,
                Jobs = kind == DumpKind.Custom ? Math.Max(1, request.Jobs) : 1,
                Duration = clock.Elapsed,
            };
        }

        /// <summary>
        /// The properties the restored copy gets: an existing database's own (it is the one being stood in for), else
        /// those the backup's manifest recorded, else those the dump records, else the server's defaults. Without
        /// owners (-NoOwner), none of a backup's roles are named.
        /// </summary>
        internal async Task<DatabaseProperties> PropertiesAsync(RestoreSession session, string database, bool exists, string existingSource, DatabaseBackup backup,
            DumpKind kind, PostgresTools tools, bool noOwner, CancellationToken cancellationToken)
        {
            if (exists)
            {
                await using var inDatabase = await _connector.ForDatabase(database).OpenAsync("restore", cancellationToken).ConfigureAwait(false);
                return await DatabasePropertiesReader.ReadAsync(session.Connection, database, session.ServerMajor, existingSource, inDatabase, cancellationToken)
                    .ConfigureAwait(false);
            }

            var recorded = backup.Properties
                ?? (kind == DumpKind.Custom ? await DumpPropertiesReader.ReadAsync(tools.PgRestore, backup.Path, cancellationToken).ConfigureAwait(false) : null)
                ?? new DatabaseProperties { Source = "server defaults" };
            if (noOwner)
            {
                recorded.Owner = null;
                recorded.Access = null;
                recorded.PublicSchemaOwner = null;
                recorded.PublicSchemaAccess = null;
                recorded.Settings = recorded.Settings.Where(s => s.Role is null).ToArray();
                recorded.Source += " without roles (-NoOwner)";
            }

            return recorded;
        }

        /// <summary>
        /// Restores the dump into the scratch database, gives it the properties, and counts its rows against the
        /// manifest. A failure leaves the scratch database to the caller, who drops it.
        /// </summary>
        internal async Task<TableRowCheck[]> RestoreIntoAsync(RestoreSession session, ScratchDatabase scratch, DatabaseBackup backup, DumpKind kind, PostgresTools tools,
            RestoreRequest request, DatabaseProperties properties, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            await RunRestoreToolAsync(backup, kind, scratch.Name, tools, request, reporter, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"Restored {backup.Name} into {scratch.Name} in {clock.Elapsed.TotalSeconds:0.0} s; giving it its properties and checking row counts.");
            clock.Restart();
            await using var connection = await _connector.ForDatabase(scratch.Name).OpenAsync("restore check", cancellationToken, commandTimeout: TimeSpan.Zero).ConfigureAwait(false);
            try
            {
                await DatabasePropertiesWriter.ApplyAsync(session, scratch, properties, connection, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                throw new OpsRunbookException(DatabaseErrors.RestorePropertiesFailed, FailureCategory.InvalidOperation,
                    $"Restored {backup.Name}, but could not give {scratch.Name} the properties {properties}: {ex.MessageText}. The target database was not touched.",
                    backup.Path, "Restore as a superuser, or create the roles the properties name first.", ex);
            }

            var checks = await CompareAsync(connection, backup.Tables, restored: true, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"Checked the row counts of {checks.Length} tables in {clock.Elapsed.TotalSeconds:0.0} s.");
            return checks;
        }

        /// <param name="restored">The database holds only what a restore put in it: the statistics' insert counts are exact.</param>
        internal static async Task<TableRowCheck[]> CompareAsync(NpgsqlConnection connection, IReadOnlyList<BackupTableRows> expected, bool restored, CancellationToken cancellationToken)
        {
            var byName = expected.ToDictionary(e => e.Table, e => e.Rows);
            var counted = restored
                ? await TableRowCounter.CountRestoredAsync(connection, byName, cancellationToken).ConfigureAwait(false)
                : await TableRowCounter.CountAsync(connection, cancellationToken).ConfigureAwait(false);
            var actual = counted.ToDictionary(t => t.Table, t => t.Rows);
            var names = expected.Select(e => e.Table).Union(actual.Keys).OrderBy(n => n, StringComparer.Ordinal);
            return names.Select(n => new TableRowCheck(n, byName.TryGetValue(n, out var e) ? e : null, actual.TryGetValue(n, out var a) ? a : null)).ToArray();
        }

        /// <summary>Every table of a database with its rows now.</summary>
        internal async Task<BackupTableRows[]> CountAsync(string database, CancellationToken cancellationToken)
        {
            await using var connection = await _connector.ForDatabase(database).OpenAsync("restore check", cancellationToken, commandTimeout: TimeSpan.Zero).ConfigureAwait(false);
            return (await CompareAsync(connection, Array.Empty<BackupTableRows>(), restored: false, cancellationToken).ConfigureAwait(false))
                .Select(c => new BackupTableRows(c.Table, c.Actual ?? 0)).ToArray();
        }

        private static void CheckRows(DatabaseBackup backup, TableRowCheck[] checks)
        {
            var wrong = checks.Where(c => !c.Matches).ToList();
            if (backup.Tables.Length > 0 && wrong.Count > 0)
            {
                throw new OpsRunbookException(DatabaseErrors.RestoreVerificationFailed, FailureCategory.InvalidResult,
                    $"After restoring {backup.Name}, {wrong.Count} tables do not have the rows the manifest records: " +
                    string.Join("; ", wrong.Take(5).Select(w => w.ToString())) + ". The target database was not touched.",
                    backup.Path, "Check the backup with Test-DatabaseBackup; restore an older one.");
            }
        }

        private async Task RunRestoreToolAsync(DatabaseBackup backup, DumpKind kind, string database, PostgresTools tools, RestoreRequest request, IOperationReporter reporter,
            CancellationToken cancellationToken)
        {
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
                var arguments = new List<string> { "--no-psqlrc", "-q", "-v", "ON_ERROR_STOP=1" };
                arguments.AddRange(LibpqArguments.Connection(_connector.Connection, database, inContainer: false));
                await using var file = new FileStream(backup.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using Stream sql = kind == DumpKind.GzipSql ? new GZipStream(file, CompressionMode.Decompress) : file;
                outcome = await ChildProcess.RunAsync(tools.Psql, arguments, environment, Stream.Null, sql, cancellationToken).ConfigureAwait(false);
            }

            reporter.Progress(new OperationProgress($"Restoring {backup.Name}", "Done", 100, Completed: true));
            if (outcome.ExitCode != 0)
            {
                var last = string.Join(" ", outcome.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
                throw new OpsRunbookException(DatabaseErrors.RestoreFailed, FailureCategory.InvalidResult,
                    $"Restoring {backup.Name} failed (exit code {outcome.ExitCode}): {SecretRedactor.Redact(last, secrets)}. The target database was not touched.",
                    backup.Path, "Read the tool's message; a missing role can be created first, or restore with -NoOwner.");
            }
        }

        /// <summary>
        /// Puts the restored scratch database in the target's place; returns whether one was replaced and how many
        /// sessions were ended. The target is closed to new connections while its sessions end; the renames and both
        /// comments are one transaction, so whatever stops the process, the target is the old copy or the new one.
        /// </summary>
        private static async Task<(bool Replaced, int SessionsEnded)> SwapInAsync(RestoreSession session, ScratchDatabase scratch, string target, string? comment,
            IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var targetOid = await session.OidOfAsync(target, cancellationToken).ConfigureAwait(false);
            if (targetOid is null)
            {
                await SwapNamesAsync(session, scratch, target, comment, null, cancellationToken).ConfigureAwait(false);
                return (false, 0);
            }

            // Said on the scratch database first: a restore killed from here on leaves a marker that has the next one open the target again.
            var marker = session.Marker("restore", target, targetOid);
            marker.TargetClosed = true;
            await session.MarkAsync(scratch, marker, cancellationToken).ConfigureAwait(false);
            var quoted = RestoreSession.Quote(target);
            await session.ExecuteAsync($"ALTER DATABASE {quoted} WITH ALLOW_CONNECTIONS false", target, cancellationToken).ConfigureAwait(false);
            var ended = 0;
            var old = new ScratchDatabase(ScratchNames.For(target, "replaced"), targetOid.Value);
            try
            {
                ended = await session.EndSessionsAsync(target, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"Ended {ended} sessions of {target}; swapping the restored copy in.");
                await SwapNamesAsync(session, scratch, target, comment, old, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await session.ExecuteAsync($"ALTER DATABASE {quoted} WITH ALLOW_CONNECTIONS true", target, timeout.Token).ConfigureAwait(false);
                throw;
            }

            await session.DropQuietlyAsync(old.Oid).ConfigureAwait(false);
            return (true, ended);
        }

        private static async Task SwapNamesAsync(RestoreSession session, ScratchDatabase scratch, string target, string? comment, ScratchDatabase? old,
            CancellationToken cancellationToken)
        {
            var statements = new List<string>();
            if (old is not null)
            {
                statements.Add($"ALTER DATABASE {RestoreSession.Quote(target)} RENAME TO {RestoreSession.Quote(old.Name)}");
                statements.Add($"COMMENT ON DATABASE {RestoreSession.Quote(old.Name)} IS {SqlTokens.Quote(session.Marker("replaced", target, null).ToComment())}");
            }

            statements.Add($"ALTER DATABASE {RestoreSession.Quote(scratch.Name)} RENAME TO {RestoreSession.Quote(target)}");
            statements.Add(DatabasePropertiesWriter.CommentStatement(target, comment));
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var transaction = await session.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    foreach (var sql in statements)
                    {
                        await using var command = new NpgsqlCommand(sql, session.Connection, transaction);
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (PostgresException ex) when (attempt < 10 && ex.SqlState == PostgresErrorCodes.ObjectInUse)
                {
                    // A session that just closed may linger for a moment on the server, and RENAME refuses while any is there.
                    await session.EndSessionsAsync(target, cancellationToken).ConfigureAwait(false);
                    await session.EndSessionsAsync(scratch.Name, cancellationToken).ConfigureAwait(false);
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex)
                {
                    throw new OpsRunbookException(DatabaseErrors.RestoreSwapFailed, FailureCategory.InvalidOperation,
                        $"Could not put {scratch.Name} in the place of {target}: {ex.MessageText}. {target} is as it was.", target,
                        "Restoring needs a role that may rename and drop databases (the target's owner with CREATEDB, or a superuser).", ex);
                }
            }
        }
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
