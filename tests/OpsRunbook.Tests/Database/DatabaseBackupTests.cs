using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database.Backup;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    [Collection("Database")]
    public sealed class DatabaseBackupTests : IClassFixture<BackupFixture>
    {
        private readonly BackupFixture _fixture;

        public DatabaseBackupTests(BackupFixture fixture)
        {
            _fixture = fixture;
        }

        private string NewFolder() => Path.Combine(_fixture.Folder, Guid.NewGuid().ToString("N")[..8]);

        private Task<BackupOutcome> Backup(string folder, BackupFormat format = BackupFormat.Custom, int? keepLast = null, CancellationToken cancellationToken = default) =>
            new DatabaseBackupWriter(BackupFixture.Connector(_fixture.OwnerUri), Env.None)
                .BackupAsync(new BackupRequest(folder, null, format, null, null, null, keepLast), new RecordingReporter(), cancellationToken);

        private static Task<bool> Yes(string target, bool exists, CancellationToken cancellationToken) => Task.FromResult(true);

        private static DatabaseRestorer Restorer() => new(BackupFixture.Connector(BackupFixture.SuperuserUri("postgres")), Env.None);

        [Fact]
        public async Task A_custom_backup_has_its_sidecar_and_manifest_and_the_stock_tools_accept_it()
        {
            var folder = NewFolder();

            var outcome = await Backup(folder);

            var backup = outcome.Backup;
            Assert.Equal(_fixture.Database, backup.Database);
            Assert.Matches($"^{_fixture.Database}_\\d{{8}}_\\d{{6}}\\.dump$", backup.Name);
            Assert.Equal(BackupVerification.Valid, backup.Verification);
            Assert.Equal(new[] { backup.Name, backup.Name + ".json", backup.Name + ".sha256" }, Directory.GetFiles(folder).Select(Path.GetFileName).OrderBy(n => n));
            Assert.Equal(new FileInfo(backup.Path).Length, backup.SizeBytes);
            Assert.StartsWith("pg_dump (PostgreSQL)", backup.ToolVersion);

            // sha256sum -c checks our sidecar; pg_restore reads our dump; the manifest counts match psql's.
            var check = Witness.Run("sha256sum", new[] { "-c", backup.Name + ".sha256" }, folder);
            Assert.True(check.ExitCode == 0, check.Output);
            var list = Witness.Run(Path.Combine(TestBed.PostgresBin, "pg_restore"), new[] { "--list", backup.Path });
            Assert.Contains("TABLE DATA public orders", list.Output);
            foreach (var (table, rows) in BackupFixture.Rows)
            {
                Assert.Equal(rows, backup.Tables.Single(t => t.Table == table).Rows);
                Assert.Equal(rows, await Witness.CountAsync(table, _fixture.Database));
            }
        }

        [Fact]
        public async Task A_sql_backup_is_gzip_that_gunzip_and_psql_restore()
        {
            var folder = NewFolder();
            var copy = TestDb.Unique("psqlcopy");

            var backup = (await Backup(folder, BackupFormat.Sql)).Backup;

            Assert.EndsWith(".sql.gz", backup.Name);
            Assert.Equal(0, Witness.Run("sha256sum", new[] { "-c", backup.Name + ".sha256" }, folder).ExitCode);
            try
            {
                await Psql.QueryAsync($"CREATE DATABASE {copy}", TestDb.Superuser, "postgres");
                var restore = Witness.Bash($"gunzip -c '{backup.Path}' | psql -X -q -v ON_ERROR_STOP=1 -U postgres -d {copy}");
                Assert.True(restore.ExitCode == 0, restore.Output);
                Assert.Equal(3000, await Witness.CountAsync("orders", copy));
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {copy} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task Restore_into_a_new_database_checks_the_row_counts()
        {
            var backup = (await Backup(NewFolder())).Backup;
            var target = TestDb.Unique("restored");
            try
            {
                var result = (await Restorer().RestoreAsync(new RestoreRequest(backup.Path, target, 2, null, false, false), Yes, new RecordingReporter(), CancellationToken.None))!;

                Assert.False(result.Replaced);
                Assert.Equal(BackupVerification.Valid, result.Checksum);
                Assert.True(result.RowCountsVerified);
                Assert.All(result.Tables, t => Assert.True(t.Matches, t.ToString()));
                Assert.Equal(2, result.Jobs);
                Assert.Equal(500, await Witness.CountAsync("customers", target));
                Assert.Equal(TestBed.PostgresUser, await Psql.QueryAsync("SELECT tableowner FROM pg_tables WHERE tablename = 'orders'", TestDb.Superuser, target));
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {target} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task Restoring_over_a_database_ends_its_sessions_and_puts_the_backup_s_rows_back()
        {
            var backup = (await Backup(NewFolder())).Backup;
            var target = TestDb.Unique("live");
            await Psql.QueryAsync($"CREATE DATABASE {target} OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            await Psql.QueryAsync("CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)", database: target);
            var session = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder
            {
                Host = TestBed.PostgresHost, Port = TestBed.PostgresPort, Username = TestBed.PostgresUser, Password = TestBed.Password, Database = target, Pooling = false,
            }.ConnectionString);
            await session.OpenAsync();
            try
            {
                var result = (await Restorer().RestoreAsync(new RestoreRequest(backup.Path, target, 1, null, false, false), Yes, new RecordingReporter(), CancellationToken.None))!;

                Assert.True(result.Replaced);
                Assert.True(result.SessionsEnded >= 1);
                Assert.Equal(3000, await Witness.CountAsync("orders", target));
                Assert.Equal("0", await Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE datname LIKE '{target}__%'", TestDb.Superuser, "postgres"));
            }
            finally
            {
                await session.DisposeAsync();
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {target} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task Restoring_in_place_through_a_connection_to_the_target_itself_swaps_from_the_maintenance_database()
        {
            // What a user types: the connection string of the application's own database.
            var backup = (await Backup(NewFolder())).Backup;
            var target = TestDb.Unique("inplace");
            await Psql.QueryAsync($"CREATE DATABASE {target} OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            await Psql.QueryAsync("CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)", database: target);
            try
            {
                var restorer = new DatabaseRestorer(BackupFixture.Connector(BackupFixture.SuperuserUri(target)), Env.None);
                var result = (await restorer.RestoreAsync(new RestoreRequest(backup.Path, null, 1, null, false, false) with { TargetDatabase = target }, Yes,
                    new RecordingReporter(), CancellationToken.None))!;

                Assert.True(result.Replaced);
                Assert.Equal(3000, await Witness.CountAsync("orders", target));
                Assert.Equal("t", await Psql.QueryAsync($"SELECT datallowconn FROM pg_database WHERE datname = '{target}'", TestDb.Superuser, "postgres"));
                Assert.Equal("0", await Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE datname LIKE '{target}__%'", TestDb.Superuser, "postgres"));
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {target} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task A_corrupt_backup_is_refused_before_the_target_is_touched()
        {
            var backup = (await Backup(NewFolder())).Backup;
            var bytes = await File.ReadAllBytesAsync(backup.Path);
            bytes[bytes.Length / 2] ^= 0x01;
            await File.WriteAllBytesAsync(backup.Path, bytes);
            var before = await Witness.CountAsync("orders", _fixture.Database);

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                Restorer().RestoreAsync(new RestoreRequest(backup.Path, _fixture.Database, 1, null, false, false), Yes, new RecordingReporter(), CancellationToken.None));

            Assert.Equal("BackupCorrupt", ex.ErrorId);
            Assert.Contains("no database was touched", ex.Message);
            Assert.Equal(before, await Witness.CountAsync("orders", _fixture.Database));
            Assert.Equal("0", await Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE datname LIKE '{_fixture.Database}__%'", TestDb.Superuser, "postgres"));
        }

        [Fact]
        public async Task A_backup_without_a_sidecar_is_restored_only_when_allowed()
        {
            var backup = (await Backup(NewFolder())).Backup;
            File.Delete(backup.Path + ".sha256");
            var target = TestDb.Unique("unverified");

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                Restorer().RestoreAsync(new RestoreRequest(backup.Path, target, 1, null, false, false), Yes, new RecordingReporter(), CancellationToken.None));
            Assert.Equal("BackupUnverified", ex.ErrorId);
            try
            {
                var result = (await Restorer().RestoreAsync(new RestoreRequest(backup.Path, target, 1, null, true, false), Yes, new RecordingReporter(), CancellationToken.None))!;
                Assert.Equal(BackupVerification.Unverified, result.Checksum);
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {target} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task A_backup_made_by_the_stock_procedure_restores_and_tests_against_the_source()
        {
            // Seed 001's backup.sh: pg_dump | gzip > backups/backup_<db>_<stamp>.sql.gz; sha256sum ... > ....sha256
            var folder = NewFolder();
            Directory.CreateDirectory(folder);
            var name = $"backup_{_fixture.Database}_20250122_020015.sql.gz";
            var made = Witness.Bash($"mkdir -p backups && pg_dump -U {TestBed.PostgresUser} {_fixture.Database} | gzip > backups/{name} && sha256sum backups/{name} > backups/{name}.sha256", folder);
            Assert.True(made.ExitCode == 0, made.Output);
            var path = Path.Combine(folder, "backups", name);
            var target = TestDb.Unique("stock");
            try
            {
                var result = (await Restorer().RestoreAsync(new RestoreRequest(path, target, 1, null, false, false), Yes, new RecordingReporter(), CancellationToken.None))!;
                Assert.Equal(BackupVerification.Valid, result.Checksum);
                Assert.False(result.RowCountsVerified);
                Assert.Equal(120, await Witness.CountAsync("\"Order Notes\"", target));

                var test = await new BackupRestorationTest(Restorer()).TestAsync(path, null, 1, new RecordingReporter(), CancellationToken.None);
                Assert.True(test.Passed, test.Failure);
                Assert.Equal("source database", test.ComparedWith);
                Assert.Equal(3, test.Tables.Length);
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {target} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task The_restoration_test_passes_a_good_backup_fails_a_corrupt_one_and_leaves_no_scratch_database()
        {
            var good = (await Backup(NewFolder())).Backup;
            var bad = (await Backup(NewFolder(), BackupFormat.Sql)).Backup;
            await using (var file = new FileStream(bad.Path, FileMode.Open))
            {
                file.SetLength(file.Length / 2);
            }

            var passed = await new BackupRestorationTest(Restorer()).TestAsync(good.Path, null, 2, new RecordingReporter(), CancellationToken.None);
            var failed = await new BackupRestorationTest(Restorer()).TestAsync(bad.Path, null, 1, new RecordingReporter(), CancellationToken.None);

            Assert.True(passed.Passed, passed.Failure);
            Assert.Equal("manifest", passed.ComparedWith);
            Assert.All(passed.Tables, t => Assert.True(t.Matches));
            Assert.False(failed.Passed);
            Assert.Equal(BackupVerification.Corrupt, failed.Checksum);
            Assert.Equal("0", await Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE datname LIKE '{_fixture.Database}__test%'", TestDb.Superuser, "postgres"));
        }

        [Fact]
        public async Task KeepLast_prunes_older_backups_of_this_database_only()
        {
            var folder = NewFolder();
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, $"backup_{_fixture.Database}_20200101_000000.sql.gz"), "made by hand");
            string? first = null;
            for (var i = 0; i < 3; i++)
            {
                var made = await Backup(folder, keepLast: 2);
                first ??= made.Backup.Path;
                await Task.Delay(1100);
            }

            var left = BackupCatalog.List(folder, _fixture.Database);
            Assert.Equal(3, left.Count);
            Assert.Equal(2, left.Count(b => b.HasManifest));
            Assert.DoesNotContain(left, b => b.Path == first);
            Assert.Contains(left, b => b.Name.StartsWith("backup_", StringComparison.Ordinal));
        }

        [Fact]
        public async Task A_wrong_password_fails_before_anything_is_written_and_names_no_password()
        {
            var folder = NewFolder();
            var wrong = $"postgres://{TestBed.PostgresUser}:not-the-{Guid.NewGuid():N}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{_fixture.Database}";

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                new DatabaseBackupWriter(BackupFixture.Connector(wrong), Env.None).BackupAsync(new BackupRequest(folder, null, BackupFormat.Custom, null, null, null, null), new RecordingReporter(), CancellationToken.None));

            Assert.Equal("AuthenticationFailed", ex.ErrorId);
            Assert.DoesNotContain("not-the-", ex.ToString());
            Assert.Empty(Directory.GetFiles(folder));
        }

        [Fact]
        public async Task A_table_the_user_may_not_read_is_PermissionDenied_and_leaves_nothing()
        {
            var database = TestDb.Unique("perm");
            var folder = NewFolder();
            await Psql.QueryAsync($"CREATE DATABASE {database} OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            try
            {
                await Psql.QueryAsync("CREATE TABLE secrets (id int); INSERT INTO secrets VALUES (1)", TestDb.Superuser, database);
                var uri = $"postgres://{TestBed.PostgresUser}:{Uri.EscapeDataString(TestBed.Password)}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{database}";

                var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                    new DatabaseBackupWriter(BackupFixture.Connector(uri), Env.None).BackupAsync(new BackupRequest(folder, null, BackupFormat.Custom, null, null, null, null), new RecordingReporter(), CancellationToken.None));

                Assert.Equal("PermissionDenied", ex.ErrorId);
                Assert.Contains("secrets", ex.Message);
                Assert.Empty(Directory.GetFiles(folder));
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task An_unwritable_folder_is_BackupPathUnwritable()
        {
            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => Backup("/proc/opsrunbook-backups"));

            Assert.Equal("BackupPathUnwritable", ex.ErrorId);
        }

        [Fact]
        public async Task A_full_folder_stops_pg_dump_and_leaves_nothing_behind()
        {
            // A 64 KiB file system: the dump of this database does not fit.
            var folder = NewFolder();
            Directory.CreateDirectory(folder);
            var mounted = Witness.Run("mount", new[] { "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder });
            Assert.True(mounted.ExitCode == 0, "mounting a small tmpfs for this test failed: " + mounted.Output);
            try
            {
                var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => Backup(folder));

                Assert.Equal("BackupWriteFailed", ex.ErrorId);
                Assert.Contains("partial file removed", ex.Message);
                Assert.Empty(Directory.GetFiles(folder));
                Assert.DoesNotContain($"-d {_fixture.Database}", Witness.Run("ps", new[] { "-eo", "args" }).Output);
            }
            finally
            {
                Witness.Run("umount", new[] { folder });
            }
        }

        [Fact]
        public void Scratch_names_stay_within_63_bytes_whole_characters_at_a_time()
        {
            var ascii = ScratchNames.For(new string('x', 70), "restore");
            // 21 CJK characters are 63 bytes: cut by characters the server would have cut the suffix off, back to the source's name.
            var cjk = ScratchNames.For(string.Concat(Enumerable.Repeat("数据库", 7)), "test");
            var emoji = ScratchNames.For(new string('é', 10) + "\U0001F600\U0001F600\U0001F600", "restore");

            Assert.True(System.Text.Encoding.UTF8.GetByteCount(ascii) <= 63);
            Assert.Contains("__restore_", ascii);
            Assert.True(System.Text.Encoding.UTF8.GetByteCount(cjk) <= 63, cjk);
            Assert.Matches("__test_\\d{14}_[0-9a-f]{4}$", cjk);
            Assert.True(System.Text.Encoding.UTF8.GetByteCount(emoji) <= 63, emoji);
            Assert.DoesNotContain('\uFFFD', System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(emoji)));
        }

        [Fact]
        public void Scratch_names_of_the_same_second_differ()
        {
            // A restore started again at once after one was killed must not meet the other's scratch database.
            Assert.NotEqual(ScratchNames.For("orders", "restore"), ScratchNames.For("orders", "restore"));
        }
    }
}
