using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;
using OpsRunbook.Engine.Database.Backup;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    /// <summary>
    /// A restore drops only what it made, and what a killed one left is found and removed by the next: each test
    /// gives the target rows the backup does not hold, so "untouched" and "restored again" look different.
    /// </summary>
    [Collection("Database")]
    public sealed class DatabaseRestoreSafetyTests : IClassFixture<BackupFixture>
    {
        private readonly BackupFixture _fixture;

        public DatabaseRestoreSafetyTests(BackupFixture fixture)
        {
            _fixture = fixture;
        }

        private static DatabaseConnector Superuser() => BackupFixture.Connector(BackupFixture.SuperuserUri("postgres"));

        private static DatabaseRestorer Restorer() => new(Superuser(), Env.None);

        private Task<DatabaseBackup> BackupAsync(string database, BackupFormat format = BackupFormat.Custom) =>
            new DatabaseBackupWriter(BackupFixture.Connector(BackupFixture.SuperuserUri(database)), Env.None)
                .BackupAsync(new BackupRequest(Path.Combine(_fixture.Folder, Guid.NewGuid().ToString("N")[..8]), null, format, null, null, null, null), new RecordingReporter(),
                    CancellationToken.None)
                .ContinueWith(t => t.Result.Backup, TaskScheduler.Default);

        private static Task<bool> Yes(string target, bool exists, CancellationToken cancellationToken) => Task.FromResult(true);

        private static Task<string> OidAsync(string database) => Psql.QueryAsync($"SELECT oid FROM pg_database WHERE datname = '{database.Replace("'", "''")}'", TestDb.Superuser, "postgres");

        private static Task<string> ScratchesAsync(string like) =>
            Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE datname LIKE '{like.Replace("_", "\\_")}\\_\\_%'", TestDb.Superuser, "postgres");

        /// <summary>A live database with a row no backup holds, and what identifies it: its OID and its rows.</summary>
        private static async Task<(string Oid, long Rows)> MarkLiveAsync(string database)
        {
            await Psql.QueryAsync("INSERT INTO customers (name) VALUES ('only in the live database')", TestDb.Superuser, database);
            return (await OidAsync(database), await Witness.CountAsync("customers", database));
        }

        [Fact]
        public async Task A_source_named_in_63_bytes_of_UTF8_is_tested_and_left_exactly_as_it_was()
        {
            // 21 CJK characters: 63 bytes, PostgreSQL's limit. A scratch name cut by characters would be cut back by the
            // server to this very name, and the clean-up would have dropped the source.
            var source = string.Concat(Enumerable.Repeat("数据库", 7));
            Assert.Equal(63, System.Text.Encoding.UTF8.GetByteCount(source));
            await Psql.QueryAsync($"CREATE DATABASE \"{source}\" OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            try
            {
                await Psql.QueryAsync("CREATE TABLE customers (id serial, name text); INSERT INTO customers (name) SELECT 'c' || g FROM generate_series(1, 50) g", database: source);
                var backup = await BackupAsync(source);
                var (oid, rows) = await MarkLiveAsync(source);

                var test = await new BackupRestorationTest(Restorer()).TestAsync(backup.Path, null, 1, new RecordingReporter(), CancellationToken.None);

                Assert.True(test.Passed, test.Failure);
                Assert.Equal(oid, await OidAsync(source));
                Assert.Equal(rows, await Witness.CountAsync("customers", source));
                Assert.True(System.Text.Encoding.UTF8.GetByteCount(test.ScratchDatabase!) <= 63);
                Assert.Equal("0", await Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE datname LIKE '数据库%' AND datname <> '{source}'", TestDb.Superuser, "postgres"));

                // Restoring it over itself goes through a scratch copy and a swap as well: the OID changes, the rows are the backup's.
                var restored = (await Restorer().RestoreAsync(new RestoreRequest(backup.Path, null, 1, null, false, false), Yes, new RecordingReporter(), CancellationToken.None))!;
                Assert.True(restored.Replaced);
                Assert.Equal(50, await Witness.CountAsync("customers", source));
                Assert.NotEqual(oid, await OidAsync(source));
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS \"{source}\" WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task What_a_killed_restore_left_is_removed_by_the_next_and_a_target_it_closed_opens_again()
        {
            var target = TestDb.Unique("killed");
            await Psql.QueryAsync($"CREATE DATABASE {target} OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            try
            {
                // A restore that got as far as closing the target for its swap, then lost its process (its session ends on the server).
                var killed = await RestoreSession.OpenAsync(Superuser(), target, OperationReporter.None, CancellationToken.None);
                var scratch = await killed.CreateScratchAsync(target, uint.Parse(await OidAsync(target)), "restore",
                    name => $"CREATE DATABASE \"{name}\" TEMPLATE template0", CancellationToken.None);
                var marker = killed.Marker("restore", target, uint.Parse(await OidAsync(target)));
                marker.TargetClosed = true;
                await killed.MarkAsync(scratch, marker, CancellationToken.None);
                await killed.ExecuteAsync($"ALTER DATABASE {target} WITH ALLOW_CONNECTIONS false", target, CancellationToken.None);
                await Psql.QueryAsync($"SELECT pg_terminate_backend({killed.Pid})", TestDb.Superuser, "postgres");
                await TestDb.WaitUntilAsync(async () => await Psql.QueryAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid = {killed.Pid}", TestDb.Superuser, "postgres") == "0",
                    "the killed restore's session ending");
                Assert.Equal("f", await Psql.QueryAsync($"SELECT datallowconn FROM pg_database WHERE datname = '{target}'", TestDb.Superuser, "postgres"));

                // Any restore or restore test on the server cleans up first, and says what it did.
                var reporter = new RecordingReporter();
                await using (await RestoreSession.OpenAsync(Superuser(), null, reporter, CancellationToken.None))
                {
                }

                Assert.Equal("0", await Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE oid = {scratch.Oid}", TestDb.Superuser, "postgres"));
                Assert.Equal("t", await Psql.QueryAsync($"SELECT datallowconn FROM pg_database WHERE datname = '{target}'", TestDb.Superuser, "postgres"));
                Assert.Contains(reporter.Warnings, w => w.Contains(scratch.Name, StringComparison.Ordinal) && w.Contains("accepts connections again", StringComparison.Ordinal));
                await Psql.QueryAsync("SELECT 1", TestDb.Superuser, target);
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {target} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task A_restore_that_is_declined_or_only_planned_changes_nothing_not_even_leftovers()
        {
            // -WhatIf and a "no" answer change nothing: what a killed restore left is removed only by one that goes ahead.
            var backup = await BackupAsync(_fixture.Database);
            var target = TestDb.Unique("declined");
            var killed = await RestoreSession.OpenAsync(Superuser(), target, OperationReporter.None, CancellationToken.None);
            var scratch = await killed.CreateScratchAsync(target, null, "restore", name => $"CREATE DATABASE \"{name}\" TEMPLATE template0", CancellationToken.None);
            await killed.DisposeAsync();
            await TestDb.WaitUntilAsync(async () => await Psql.QueryAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid = {killed.Pid}", TestDb.Superuser, "postgres") == "0",
                "the killed restore's session ending");
            var folder = Path.GetDirectoryName(backup.Path)!;
            var unfinished = Path.Combine(folder, $".{_fixture.Database}_20200101_000000.dump.partial");
            Directory.CreateDirectory(unfinished);
            File.WriteAllText(unfinished + ".lock", string.Empty); // no process holds it: abandoned
            try
            {
                var reporter = new RecordingReporter();
                var result = await Restorer().RestoreAsync(new RestoreRequest(backup.Path, target, 1, null, false, false), (_, _, _) => Task.FromResult(false),
                    reporter, CancellationToken.None);

                Assert.Null(result);
                Assert.Equal("1", await Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE oid = {scratch.Oid}", TestDb.Superuser, "postgres"));
                Assert.True(Directory.Exists(unfinished));
                Assert.Empty(reporter.Warnings);

                // The same restore, confirmed, removes both and says so.
                var confirmed = await Restorer().RestoreAsync(new RestoreRequest(backup.Path, target, 1, null, false, false), Yes, reporter, CancellationToken.None);
                Assert.NotNull(confirmed);
                Assert.Equal("0", await Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE oid = {scratch.Oid}", TestDb.Superuser, "postgres"));
                Assert.False(Directory.Exists(unfinished));
                Assert.Contains(reporter.Warnings, w => w.Contains(scratch.Name, StringComparison.Ordinal));
                Assert.Contains(reporter.Warnings, w => w.Contains(unfinished, StringComparison.Ordinal));
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS \"{scratch.Name}\"", TestDb.Superuser, "postgres");
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {target} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task A_running_restore_s_scratch_database_and_databases_that_only_look_like_one_are_kept()
        {
            var target = TestDb.Unique("alive");
            var lookalike = target + "__restore_20200101000000_abcd";
            var forged = target + "__restore_20200101000000_ef01";
            await using var running = await RestoreSession.OpenAsync(Superuser(), target, OperationReporter.None, CancellationToken.None);
            var scratch = await running.CreateScratchAsync(target, null, "restore", name => $"CREATE DATABASE \"{name}\" TEMPLATE template0", CancellationToken.None);
            await Psql.QueryAsync($"CREATE DATABASE {lookalike}", TestDb.Superuser, "postgres");
            await Psql.QueryAsync($"CREATE DATABASE {forged}", TestDb.Superuser, "postgres");
            // A marker whose session is someone's live one (this psql's own connection is gone, so use the running session's).
            await Psql.QueryAsync($"COMMENT ON DATABASE {forged} IS '{ScratchMarker.Prefix}{{\"purpose\":\"restore\",\"session_pid\":{running.Pid},\"session_start\":\"{running.Start}\"}}'",
                TestDb.Superuser, "postgres");
            try
            {
                var reporter = new RecordingReporter();
                await using (await RestoreSession.OpenAsync(Superuser(), null, reporter, CancellationToken.None))
                {
                }

                Assert.Equal("3", await ScratchesAsync(target));
                Assert.DoesNotContain(reporter.Warnings, w => w.Contains(target, StringComparison.Ordinal));
                await running.DropAsync(scratch.Oid, CancellationToken.None);
                Assert.Equal("2", await ScratchesAsync(target));
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {lookalike}", TestDb.Superuser, "postgres");
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {forged}", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task A_second_restore_of_the_same_target_is_refused_while_the_first_runs()
        {
            var backup = await BackupAsync(_fixture.Database);
            var target = TestDb.Unique("twice");
            await Psql.QueryAsync($"CREATE DATABASE {target} OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            await Psql.QueryAsync("CREATE TABLE customers (id int, name text); INSERT INTO customers VALUES (1, 'live')", database: target);
            var atSwap = new TaskCompletionSource();
            var goOn = new TaskCompletionSource();
            try
            {
                var first = Restorer().RestoreAsync(new RestoreRequest(backup.Path, target, 1, null, false, false), Yes, new RecordingReporter(), CancellationToken.None,
                    async _ =>
                    {
                        atSwap.SetResult();
                        await goOn.Task;
                    });
                await atSwap.Task.WaitAsync(TimeSpan.FromSeconds(60));
                var oid = await OidAsync(target);

                var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                    Restorer().RestoreAsync(new RestoreRequest(backup.Path, target, 1, null, false, false), Yes, new RecordingReporter(), CancellationToken.None));

                Assert.Equal("RestoreInProgress", ex.ErrorId);
                Assert.Equal(FailureCategory.ResourceUnavailable, ex.Category);
                Assert.Contains("Nothing was changed", ex.Message);
                Assert.Equal(oid, await OidAsync(target));
                Assert.Equal(1, await Witness.CountAsync("customers", target));
                Assert.Equal("1", await ScratchesAsync(target)); // the first one's, and no second
                goOn.SetResult();
                Assert.True((await first)!.Replaced);
                Assert.Equal(500, await Witness.CountAsync("customers", target));
                Assert.Equal("0", await ScratchesAsync(target));
            }
            finally
            {
                goOn.TrySetResult();
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {target} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task A_plain_backup_holding_a_shell_command_is_refused_before_anything_runs()
        {
            var backup = await BackupAsync(_fixture.Database, BackupFormat.Sql);
            var witness = Path.Combine(_fixture.Folder, "ran-" + Guid.NewGuid().ToString("N")[..8]);
            var hostile = Path.Combine(Path.GetDirectoryName(backup.Path)!, $"{_fixture.Database}_20200101_000000.sql");
            var made = Witness.Bash($"gunzip -c '{backup.Path}' > '{hostile}' && printf '%s\\n' 'SELECT 1;' '\\! touch {witness}' >> '{hostile}' && " +
                $"cd '{Path.GetDirectoryName(hostile)}' && sha256sum '{Path.GetFileName(hostile)}' > '{Path.GetFileName(hostile)}.sha256'");
            Assert.True(made.ExitCode == 0, made.Output);
            var target = TestDb.Unique("hostile");
            await Psql.QueryAsync($"CREATE DATABASE {target} OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            await Psql.QueryAsync("CREATE TABLE customers (id int, name text); INSERT INTO customers VALUES (1, 'live')", database: target);
            var oid = await OidAsync(target);
            try
            {
                var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                    Restorer().RestoreAsync(new RestoreRequest(hostile, target, 1, null, false, false), Yes, new RecordingReporter(), CancellationToken.None));
                var test = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                    new BackupRestorationTest(Restorer()).TestAsync(hostile, null, 1, new RecordingReporter(), CancellationToken.None));

                Assert.Equal("BackupHasMetaCommand", ex.ErrorId);
                Assert.Equal(FailureCategory.SecurityError, ex.Category);
                Assert.Contains("\\!", ex.Message);
                Assert.Equal("BackupHasMetaCommand", test.ErrorId);
                Assert.False(File.Exists(witness), "the shell command ran");
                Assert.Equal(oid, await OidAsync(target));
                Assert.Equal(1, await Witness.CountAsync("customers", target));
                Assert.Equal("0", await ScratchesAsync(target));
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {target} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task A_killed_backup_s_unfinished_files_are_removed_by_the_next_backup_into_the_folder()
        {
            var folder = Path.Combine(_fixture.Folder, Guid.NewGuid().ToString("N")[..8]);
            // What a kill -9 mid-dump leaves: the work folder, its lock file free.
            var left = Path.Combine(folder, $".{_fixture.Database}_20200101_000000.dump.partial");
            Directory.CreateDirectory(left);
            File.WriteAllText(Path.Combine(left, "dump"), "PGDMP half of a dump");
            File.WriteAllText(left + ".lock", string.Empty);
            var mode = Witness.Run("stat", new[] { "-c", "%a", folder }).Output.Trim();
            var reporter = new RecordingReporter();

            var made = await new DatabaseBackupWriter(BackupFixture.Connector(_fixture.OwnerUri), Env.None)
                .BackupAsync(new BackupRequest(folder, null, BackupFormat.Custom, null, null, null, KeepLast: 1), reporter, CancellationToken.None);

            Assert.False(Directory.Exists(left));
            Assert.False(File.Exists(left + ".lock"));
            Assert.Contains(reporter.Warnings, w => w.Contains(left, StringComparison.Ordinal));
            Assert.Equal(new[] { made.Backup.Name, made.Backup.Name + ".json", made.Backup.Name + ".sha256" },
                Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            // Backups are private from the first byte: 0600 files; the folder was there already (made here), so it keeps its mode.
            Assert.Equal("600 600 600", string.Join(' ', Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => Witness.Run("stat", new[] { "-c", "%a", f }).Output.Trim())));
            Assert.Equal(mode, Witness.Run("stat", new[] { "-c", "%a", folder }).Output.Trim());
        }

        [Fact]
        public async Task Two_backups_started_in_the_same_second_get_two_names()
        {
            var folder = Path.Combine(_fixture.Folder, Guid.NewGuid().ToString("N")[..8]);
            var writer = new DatabaseBackupWriter(BackupFixture.Connector(_fixture.OwnerUri), Env.None);

            var both = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
                writer.BackupAsync(new BackupRequest(folder, null, BackupFormat.Custom, null, null, null, null), new RecordingReporter(), CancellationToken.None)));

            Assert.NotEqual(both[0].Backup.Name, both[1].Backup.Name);
            Assert.Equal("700", Witness.Run("stat", new[] { "-c", "%a", folder }).Output.Trim()); // a folder it made is private
            foreach (var backup in both.Select(b => b.Backup))
            {
                Assert.Equal(0, Witness.Run("sha256sum", new[] { "-c", backup.Name + ".sha256" }, folder).ExitCode);
            }
        }
    }
}
