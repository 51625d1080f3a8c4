using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Database.Backup;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    /// <summary>
    /// A database as applications have them: owned by an application role, closed to PUBLIC, open to a reporting role,
    /// with settings for everyone and for one role, a comment and a connection limit. Every restore path must give
    /// the restored copy exactly these, and the application must go on creating tables afterwards.
    /// </summary>
    [Collection("Database")]
    public sealed class DatabaseRestorePropertiesTests : IAsyncLifetime
    {
        private readonly string _app = TestDb.Unique("app");
        private readonly string _reader = TestDb.Unique("rd");
        private readonly string _database = TestDb.Unique("props");
        private readonly string _folder = Path.Combine(TestBed.Artifacts, "props-" + Guid.NewGuid().ToString("N")[..8]);

        // What psql shows of a database's own properties: the witness before and after.
        private string PropertiesQuery(string database) =>
            "SELECT pg_get_userbyid(d.datdba) || ' | ' || coalesce(d.datacl::text, 'null') || ' | ' || d.datconnlimit || ' | ' || " +
            "coalesce(shobj_description(d.oid, 'pg_database'), 'null') || ' | ' || pg_encoding_to_char(d.encoding) || ' ' || d.datcollate || ' ' || d.datctype || ' | ' || " +
            "coalesce((SELECT string_agg(coalesce(r.rolname, '*') || ':' || array_to_string(s.setconfig, ','), ';' ORDER BY r.rolname NULLS FIRST) " +
            "FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = d.oid), 'none') " +
            $"FROM pg_database d WHERE d.datname = '{database}'";

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(_folder);
            await Psql.QueryAsync($"CREATE ROLE {_app} LOGIN PASSWORD '{TestBed.Password}'; CREATE ROLE {_reader} LOGIN", TestDb.Superuser, "postgres");
            await Psql.QueryAsync($"CREATE DATABASE {_database} OWNER {_app}", TestDb.Superuser, "postgres");
            await Psql.QueryAsync(
                $"ALTER DATABASE {_database} SET work_mem = '64MB'; ALTER DATABASE {_database} SET search_path = \"$user\", public, \"Odd, Schema\";" +
                $"ALTER ROLE {_reader} IN DATABASE {_database} SET statement_timeout = '5s';" +
                $"REVOKE CONNECT ON DATABASE {_database} FROM PUBLIC; GRANT CONNECT ON DATABASE {_database} TO {_reader};" +
                $"COMMENT ON DATABASE {_database} IS 'orders of the shop; it''s ours'; ALTER DATABASE {_database} CONNECTION LIMIT 40",
                TestDb.Superuser, "postgres");
            await Psql.QueryAsync("CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g FROM generate_series(1, 200) g", _app, _database);
        }

        public async Task DisposeAsync()
        {
            await Psql.QueryAsync($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", TestDb.Superuser, "postgres");
            foreach (var leftover in (await Psql.QueryAsync($"SELECT datname FROM pg_database WHERE datname LIKE '{_database}%'", TestDb.Superuser, "postgres"))
                         .Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS \"{leftover}\" WITH (FORCE)", TestDb.Superuser, "postgres");
            }

            await Psql.QueryAsync($"DROP ROLE IF EXISTS {_reader}; DROP ROLE IF EXISTS {_app}", TestDb.Superuser, "postgres");
            TestArtifacts.Remove(_folder);
        }

        private static DatabaseRestorer Restorer() => new(BackupFixture.Connector(BackupFixture.SuperuserUri("postgres")), Env.None);

        private async Task<DatabaseBackup> BackupAsync() =>
            (await new DatabaseBackupWriter(BackupFixture.Connector(BackupFixture.SuperuserUri(_database)), Env.None)
                .BackupAsync(new BackupRequest(_folder, null, BackupFormat.Custom, null, null, null, null), new RecordingReporter(), CancellationToken.None)).Backup;

        private static Task<bool> Yes(string target, bool exists, CancellationToken cancellationToken) => Task.FromResult(true);

        /// <summary>The application's own check: it may still create a table in the public schema.</summary>
        private async Task AppCanMigrateAsync(string database)
        {
            var table = TestDb.Unique("t2");
            await Psql.QueryAsync($"CREATE TABLE {table} (id int); DROP TABLE {table}", _app, database);
        }

        [Fact]
        public async Task Restoring_over_an_application_database_keeps_its_owner_access_settings_comment_and_limit()
        {
            var before = await Psql.QueryAsync(PropertiesQuery(_database), TestDb.Superuser, "postgres");
            Assert.Contains("=T/", before); // PUBLIC may no longer connect: the property that is lost most easily
            var backup = await BackupAsync();
            await Psql.QueryAsync("INSERT INTO orders VALUES (1000, 1)", _app, _database);

            var result = (await Restorer().RestoreAsync(new RestoreRequest(backup.Path, _database, 2, null, false, false), Yes, new RecordingReporter(), CancellationToken.None))!;

            Assert.True(result.Replaced);
            Assert.Equal(before, await Psql.QueryAsync(PropertiesQuery(_database), TestDb.Superuser, "postgres"));
            Assert.Equal("target database", result.Properties!.Source);
            Assert.Equal(_app, result.Properties.Owner);
            Assert.Equal(200, await Witness.CountAsync("orders", _database));
            await AppCanMigrateAsync(_database);
            Assert.Equal(_app, await Psql.QueryAsync("SELECT tableowner FROM pg_tables WHERE tablename = 'orders'", TestDb.Superuser, _database));
            Assert.Equal("0", await Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE datname LIKE '{_database}\\_\\_%'", TestDb.Superuser, "postgres"));
        }

        [Fact]
        public async Task A_restore_where_the_database_is_gone_takes_the_properties_the_manifest_recorded()
        {
            var before = await Psql.QueryAsync(PropertiesQuery(_database), TestDb.Superuser, "postgres");
            var backup = await BackupAsync();
            await Psql.QueryAsync($"DROP DATABASE {_database} WITH (FORCE)", TestDb.Superuser, "postgres");

            var result = (await Restorer().RestoreAsync(new RestoreRequest(backup.Path, null, 1, null, false, false), Yes, new RecordingReporter(), CancellationToken.None))!;

            Assert.False(result.Replaced);
            Assert.Equal("backup manifest", result.Properties!.Source);
            Assert.Equal(before, await Psql.QueryAsync(PropertiesQuery(_database), TestDb.Superuser, "postgres"));
            await AppCanMigrateAsync(_database);
        }

        [Fact]
        public async Task A_custom_dump_made_by_pg_dump_itself_gives_the_properties_it_records()
        {
            // No manifest: what pg_dump -Fc records of the database (pg_restore -C shows it) is all there is.
            var before = await Psql.QueryAsync(PropertiesQuery(_database), TestDb.Superuser, "postgres");
            var path = Path.Combine(_folder, $"{_database}_20260101_000000.dump");
            var made = Witness.Bash($"pg_dump -U postgres -Fc -f '{path}' {_database} && sha256sum '{path}' | sed 's#  .*/#  #' > '{path}.sha256'");
            Assert.True(made.ExitCode == 0, made.Output);
            await Psql.QueryAsync($"DROP DATABASE {_database} WITH (FORCE)", TestDb.Superuser, "postgres");

            var result = (await Restorer().RestoreAsync(new RestoreRequest(path, null, 1, null, false, false), Yes, new RecordingReporter(), CancellationToken.None))!;

            Assert.Equal("dump", result.Properties!.Source);
            Assert.Equal(before, await Psql.QueryAsync(PropertiesQuery(_database), TestDb.Superuser, "postgres"));
            await AppCanMigrateAsync(_database);
        }

        [Fact]
        public async Task Without_owners_a_restore_names_none_of_the_backup_s_roles()
        {
            var backup = await BackupAsync();
            var copy = TestDb.Unique("noowner");
            try
            {
                var result = (await Restorer().RestoreAsync(new RestoreRequest(backup.Path, copy, 1, null, false, NoOwner: true), Yes, new RecordingReporter(), CancellationToken.None))!;

                Assert.Contains("-NoOwner", result.Properties!.Source);
                Assert.Equal("postgres | null | 40", string.Join(" | ", (await Psql.QueryAsync(PropertiesQuery(copy), TestDb.Superuser, "postgres")).Split(" | ").Take(3)));
                Assert.Equal("postgres", await Psql.QueryAsync("SELECT tableowner FROM pg_tables WHERE tablename = 'orders'", TestDb.Superuser, copy));
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {copy} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task The_restoration_test_s_scratch_copy_has_the_source_s_properties_and_is_dropped()
        {
            var backup = await BackupAsync();
            var before = (await Psql.QueryAsync(PropertiesQuery(_database), TestDb.Superuser, "postgres")).Split(" | ");
            string? seen = null;
            using var stop = new CancellationTokenSource();
            // The scratch copy lives for a moment: watch pg_database for it as psql would.
            var watcher = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested && seen is null)
                {
                    var name = await Psql.QueryAsync($"SELECT datname FROM pg_database WHERE datname LIKE '{_database}\\_\\_test\\_%'", TestDb.Superuser, "postgres");
                    if (name.Length > 0)
                    {
                        seen = await Psql.QueryAsync(PropertiesQuery(name), TestDb.Superuser, "postgres");
                    }
                }
            });

            var result = await new BackupRestorationTest(Restorer()).TestAsync(backup.Path, null, 1, new RecordingReporter(), CancellationToken.None);
            stop.Cancel();
            await watcher;

            Assert.True(result.Passed, result.Failure);
            Assert.Equal("source database", result.Properties!.Source);
            Assert.NotNull(seen);
            var scratch = seen!.Split(" | ");
            Assert.Equal(before[0], scratch[0]); // owner
            Assert.Equal(before[4], scratch[4]); // encoding and locale
            Assert.StartsWith(ScratchMarker.Prefix, scratch[3]); // its comment says whose it is while it exists
            Assert.Equal("0", await Psql.QueryAsync($"SELECT count(*) FROM pg_database WHERE datname LIKE '{_database}\\_\\_%'", TestDb.Superuser, "postgres"));
        }
    }
}
