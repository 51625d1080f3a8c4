using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    [Collection("Database")]
    public class DatabaseSizeReaderTests
    {
        private static DatabaseSizeReader Reader() => new(TestDb.Connector());

        private static async Task<IReadOnlyList<Outcome<TableSize>>> TablesAsync(string[]? databases = null, string[]? tables = null, int? top = null)
        {
            var outcomes = await TestDb.AllAsync(Reader().ReadTablesAsync(databases ?? Array.Empty<string>(), tables ?? Array.Empty<string>(), top,
                OperationReporter.None, CancellationToken.None));
            Assert.All(outcomes.Where(o => o.Failure is not null), o => SecretAssert.Absent(o.Failure!));
            return outcomes;
        }

        private static async Task<TableSize> TableAsync(string table) => Assert.Single(await TablesAsync(tables: new[] { table })).Result!;

        [Fact]
        public async Task Database_sizes_are_those_of_pg_database_size_largest_first()
        {
            var sizes = await Reader().ReadDatabasesAsync(Array.Empty<string>(), null, OperationReporter.None, CancellationToken.None);

            // Tests of other collections create databases of their own meanwhile (orb_...): the bed's two are there.
            Assert.Equal(new[] { "opsrunbook", "postgres" }, sizes.Select(s => s.Database).Where(n => !n.StartsWith("orb_", StringComparison.Ordinal)).OrderBy(n => n));
            Assert.Equal(sizes.OrderByDescending(s => s.SizeBytes).Select(s => s.Database), sizes.Select(s => s.Database));
            var mine = sizes.Single(s => s.Database == TestBed.PostgresDatabase);
            Assert.Equal(TestBed.PostgresUser, mine.Owner);
            Assert.InRange(mine.Connections, 1, 30);
            var witness = await Psql.ScalarAsync($"SELECT pg_database_size('{TestBed.PostgresDatabase}')");

            // Other tests create tables in the same database meanwhile: the sizes agree within a megabyte.
            Assert.InRange(mine.SizeBytes!.Value, witness - (1 << 20), witness + (1 << 20));
            Assert.Equal("postgres", sizes.Single(s => s.Database == "postgres").Owner);

            var top = await Reader().ReadDatabasesAsync(new[] { "*" }, 1, OperationReporter.None, CancellationToken.None);
            Assert.Equal(sizes[0].Database, Assert.Single(top).Database);
            Assert.Equal("postgres", Assert.Single(await Reader().ReadDatabasesAsync(new[] { "post*" }, null, OperationReporter.None, CancellationToken.None)).Database);
        }

        [Fact]
        public async Task Unknown_database_is_DatabaseNotFound()
        {
            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                Reader().ReadDatabasesAsync(new[] { "no_such_db" }, null, OperationReporter.None, CancellationToken.None));
            Assert.Equal("DatabaseNotFound", ex.ErrorId);
            Assert.Contains("opsrunbook", ex.Message);

            var failure = Assert.Single(await TablesAsync(databases: new[] { "no_such_db" })).Failure!;
            Assert.Equal("DatabaseNotFound", failure.ErrorId);
        }

        [Fact]
        public async Task Table_sizes_add_up_and_match_the_size_functions()
        {
            var table = TestDb.Unique("sized");
            try
            {
                // Random text too long to stay in the row: it goes to TOAST.
                await TestDb.ExecuteAsync(
                    $"CREATE TABLE {table} (id int PRIMARY KEY, note text, body text); CREATE INDEX ON {table} (note);" +
                    $"INSERT INTO {table} SELECT r.n, md5(r.n::text), (SELECT string_agg(md5(random()::text || r.n || s.i), '') FROM generate_series(1, 200) s(i)) FROM generate_series(1, 300) r(n);" +
                    $"ANALYZE {table}");

                var size = await TableAsync(table);

                Assert.Equal("public", size.Schema);
                Assert.Equal(table, size.Name);
                Assert.Equal("public." + table, size.Table);
                Assert.Equal(TestBed.PostgresDatabase, size.Database);
                Assert.Equal(await Psql.ScalarAsync($"SELECT pg_total_relation_size('{table}')"), size.TotalBytes);
                Assert.Equal(await Psql.ScalarAsync($"SELECT pg_indexes_size('{table}')"), size.IndexBytes);
                Assert.Equal(size.TotalBytes, size.TableBytes + size.IndexBytes + size.ToastBytes);
                Assert.True(size.ToastBytes > 100_000, $"TOAST {size.ToastBytes}");
                Assert.Equal(300, size.RowEstimate);
                Assert.Equal(0, size.DeadTuples);
                Assert.NotNull(size.LastAnalyze);
                Assert.Null(size.LastVacuum);
                Assert.InRange(size.BloatRatio!.Value, 0, 0.2);
            }
            finally
            {
                await TestDb.DropTableAsync(table);
            }
        }

        [Fact]
        public async Task Bloat_made_by_mass_updates_shows_and_shrinks_after_VacuumFull()
        {
            var table = TestDb.Unique("bloat");
            try
            {
                await TestDb.CreateBloatedTableAsync(table, 20_000);
                var maintainer = new DatabaseMaintainer(TestDb.Connector());

                // Never analyzed: no column statistics, so no estimate yet.
                Assert.Null((await TableAsync(table)).BloatRatio);

                await TestDb.AllAsync(maintainer.RunAsync(new MaintenanceRequest(MaintenancePlan.Create(new[] { DatabaseMaintenanceOperation.Analyze }, false),
                    Array.Empty<string>(), new[] { table }), TestDb.Confirm, OperationReporter.None, CancellationToken.None));
                // Two updates of every row leave a third (when page pruning could reuse space) to two thirds of the heap dead or free.
                var bloated = await TableAsync(table);
                Assert.InRange(bloated.BloatRatio!.Value, 0.3, 0.75);
                Assert.True(bloated.BloatBytes > bloated.TableBytes / 4, $"{bloated.BloatBytes} of {bloated.TableBytes}");
                Assert.InRange(bloated.RowEstimate, 18_000, 22_000);
                Assert.InRange(bloated.DeadTuples, 15_000, 50_000);

                var results = await TestDb.AllAsync(maintainer.RunAsync(new MaintenanceRequest(
                    MaintenancePlan.Create(new[] { DatabaseMaintenanceOperation.VacuumFull, DatabaseMaintenanceOperation.Analyze }, false),
                    Array.Empty<string>(), new[] { table }), TestDb.Confirm, OperationReporter.None, CancellationToken.None));

                var result = Assert.Single(results).Result!;
                var after = await TableAsync(table);
                Assert.Equal(bloated.TotalBytes, result.SizeBeforeBytes);
                Assert.Equal(after.TotalBytes, result.SizeAfterBytes);
                Assert.True(after.TotalBytes < bloated.TotalBytes * 0.7, $"{after.TotalBytes} after, {bloated.TotalBytes} before");
                Assert.InRange(after.BloatRatio!.Value, 0, 0.1);
                Assert.Equal(0, after.DeadTuples);
                Assert.NotNull(after.LastAnalyze);
            }
            finally
            {
                await TestDb.DropTableAsync(table);
            }
        }

        [Fact]
        public async Task Without_a_database_in_the_connection_the_servers_choice_is_used()
        {
            // PostgreSQL connects to the database named like the user: here opsrunbook.
            var reader = new DatabaseSizeReader(TestDb.Connector($"postgres://{TestBed.PostgresUser}:{Uri.EscapeDataString(TestBed.Password)}@{TestBed.PostgresHost}:{TestBed.PostgresPort}"));

            var outcomes = await TestDb.AllAsync(reader.ReadTablesAsync(Array.Empty<string>(), Array.Empty<string>(), 1, OperationReporter.None, CancellationToken.None));

            Assert.All(outcomes, o => Assert.Null(o.Failure));
            Assert.All(outcomes, o => Assert.Equal(TestBed.PostgresDatabase, o.Result!.Database));
            var maintained = await TestDb.AllAsync(new DatabaseMaintainer(TestDb.Connector($"postgres://{TestBed.PostgresUser}:{Uri.EscapeDataString(TestBed.Password)}@{TestBed.PostgresHost}:{TestBed.PostgresPort}"))
                .RunAsync(new MaintenanceRequest(MaintenancePlan.Create(new[] { DatabaseMaintenanceOperation.Analyze }, false), Array.Empty<string>(), new[] { "no_such_*" }),
                    TestDb.Confirm, OperationReporter.None, CancellationToken.None));
            Assert.Empty(maintained);
        }

        [Fact]
        public async Task Tables_are_chosen_by_name_schema_and_wildcard_largest_first()
        {
            var prefix = TestDb.Unique("pick");
            try
            {
                await TestDb.ExecuteAsync(
                    $"CREATE TABLE {prefix}_small (id int); CREATE TABLE {prefix}_big (id int); INSERT INTO {prefix}_big SELECT generate_series(1, 5000)");

                var both = (await TablesAsync(tables: new[] { prefix + "_*" })).Select(o => o.Result!.Name).ToList();
                Assert.Equal(new[] { prefix + "_big", prefix + "_small" }, both);
                Assert.Equal(prefix + "_big", Assert.Single(await TablesAsync(tables: new[] { prefix + "_*" }, top: 1)).Result!.Name);
                Assert.Equal(prefix + "_small", (await TableAsync($"public.{prefix}_small")).Name);
                Assert.Equal(prefix + "_small", (await TableAsync($"{prefix}_SMALL")).Name);
                Assert.Empty(await TablesAsync(tables: new[] { "no_such_*" }));

                var failure = Assert.Single(await TablesAsync(tables: new[] { "no_such_table" })).Failure!;
                Assert.Equal("TableNotFound", failure.ErrorId);
                Assert.Equal(FailureCategory.ObjectNotFound, failure.Category);
                Assert.Equal("no_such_table", failure.TargetObject);
            }
            finally
            {
                await TestDb.ExecuteAsync($"DROP TABLE IF EXISTS {prefix}_small, {prefix}_big", TestDb.Superuser);
            }
        }
    }
}
