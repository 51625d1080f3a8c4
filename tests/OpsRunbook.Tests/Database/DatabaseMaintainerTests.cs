using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;
using Xunit;
using Op = OpsRunbook.DatabaseMaintenanceOperation;

namespace OpsRunbook.Tests.Database
{
    [Collection("Database")]
    public class DatabaseMaintainerTests
    {
        private static MaintenanceRequest Request(string table, Op[] operations, bool concurrently = false, TimeSpan? lockTimeout = null, string[]? databases = null) =>
            new(MaintenancePlan.Create(operations, concurrently), databases ?? Array.Empty<string>(), new[] { table }, lockTimeout);

        private static async Task<IReadOnlyList<Outcome<DatabaseMaintenanceResult>>> RunAsync(MaintenanceRequest request,
            IOperationReporter? reporter = null, Func<MaintenanceTarget, CancellationToken, Task<bool>>? confirm = null,
            string? connectionString = null, CancellationToken cancellationToken = default)
        {
            var outcomes = await TestDb.AllAsync(new DatabaseMaintainer(TestDb.Connector(connectionString))
                .RunAsync(request, confirm ?? TestDb.Confirm, reporter ?? OperationReporter.None, cancellationToken));
            Assert.All(outcomes.Where(o => o.Failure is not null), o => SecretAssert.Absent(o.Failure!));
            return outcomes;
        }

        private static Task<long> FileNodeAsync(string relation) => Psql.ScalarAsync($"SELECT pg_relation_filenode('{relation}')");

        [Fact]
        public async Task Runs_each_statement_outside_a_transaction_and_reports_sizes_and_duration()
        {
            var table = TestDb.Unique("maint");
            try
            {
                await TestDb.CreateBloatedTableAsync(table, 5_000);
                var before = await Psql.ScalarAsync($"SELECT pg_total_relation_size('{table}')");
                var indexBefore = await FileNodeAsync(table + "_pkey");
                var confirmed = new List<MaintenanceTarget>();

                // REINDEX CONCURRENTLY refuses to run inside a transaction block: its success shows there was none.
                var outcomes = await RunAsync(Request(table, new[] { Op.Vacuum, Op.Analyze, Op.Reindex }, concurrently: true),
                    confirm: (target, _) => { confirmed.Add(target); return Task.FromResult(true); });

                var results = outcomes.Select(o => o.Result!).ToList();
                Assert.Equal(new[] { $"VACUUM (ANALYZE) public.{table}", $"REINDEX TABLE CONCURRENTLY public.{table}" }, results.Select(r => r.Command));
                Assert.Equal(new[] { Op.Vacuum | Op.Analyze, Op.Reindex }, results.Select(r => r.Operation));
                var target = Assert.Single(confirmed);
                Assert.Equal("public." + table, target.Table);
                Assert.Equal(TestBed.PostgresDatabase, target.Database);
                Assert.Equal(before, results[0].SizeBeforeBytes);
                Assert.Equal(results[0].SizeAfterBytes, results[1].SizeBeforeBytes);
                Assert.Equal(await Psql.ScalarAsync($"SELECT pg_total_relation_size('{table}')"), results[1].SizeAfterBytes);
                Assert.All(results, r =>
                {
                    Assert.Equal("public." + table, r.Table);
                    Assert.Equal(TestBed.PostgresDatabase, r.Database);
                    Assert.True(r.Duration > TimeSpan.Zero && r.Duration < TimeSpan.FromSeconds(30), r.Duration.ToString());
                    Assert.True(r.StartedAt > DateTimeOffset.Now.AddMinutes(-1));
                });
                Assert.NotEqual(indexBefore, await FileNodeAsync(table + "_pkey"));
                Assert.Equal(0, await Psql.ScalarAsync($"SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = '{table}'"));
            }
            finally
            {
                await TestDb.DropTableAsync(table);
            }
        }

        [Fact]
        public async Task A_declined_table_is_left_alone()
        {
            var table = TestDb.Unique("declined");
            try
            {
                await TestDb.ExecuteAsync($"CREATE TABLE {table} (id int); INSERT INTO {table} VALUES (1)");
                var fileNode = await FileNodeAsync(table);

                Assert.Empty(await RunAsync(Request(table, new[] { Op.VacuumFull }), confirm: TestDb.Decline));

                Assert.Equal(fileNode, await FileNodeAsync(table));
            }
            finally
            {
                await TestDb.DropTableAsync(table);
            }
        }

        [Fact]
        public async Task Reports_progress_from_pg_stat_progress_vacuum_while_a_long_vacuum_runs()
        {
            var table = TestDb.Unique("slow");
            try
            {
                await TestDb.CreateBloatedTableAsync(table, 12_000);
                var reporter = new RecordingReporter();

                // Cost-based delay slows this session's VACUUM down to a second or two, so the progress views are seen.
                var slow = $"Host={TestBed.PostgresHost};Port={TestBed.PostgresPort};Username={TestBed.PostgresUser};Password={TestBed.Password};" +
                           $"Database={TestBed.PostgresDatabase};Options=-c vacuum_cost_delay=1 -c vacuum_cost_limit=1";
                var result = Assert.Single(await RunAsync(Request(table, new[] { Op.Vacuum }), reporter, connectionString: slow)).Result!;

                Assert.True(result.Duration > TimeSpan.FromSeconds(0.5), $"the vacuum took only {result.Duration}");
                var samples = reporter.Progresses.Where(p => !p.Completed && p.Status.Contains(" blocks", StringComparison.Ordinal)).ToList();
                Assert.NotEmpty(samples);
                Assert.All(samples, p =>
                {
                    Assert.StartsWith($"public.{table} (1 of 1): ", p.Status);
                    Assert.InRange(p.PercentComplete, 0, 100);
                    Assert.Equal($"VACUUM in {TestBed.PostgresDatabase}", p.Activity);
                });
                Assert.Contains(samples, p => p.Status.Contains("scanning heap", StringComparison.Ordinal) || p.Status.Contains("vacuuming", StringComparison.Ordinal));
                Assert.True(reporter.Progresses[^1].Completed);
                SecretAssert.Absent(string.Join("\n", reporter.Verboses));
            }
            finally
            {
                await TestDb.DropTableAsync(table);
            }
        }

        [Fact]
        public async Task Waiting_for_a_lock_shows_who_holds_it_and_gives_up_at_the_lock_timeout()
        {
            var table = TestDb.Unique("held");
            var application = TestDb.Unique("holder");
            try
            {
                await TestDb.ExecuteAsync($"CREATE TABLE {table} (id int); INSERT INTO {table} VALUES (1)");
                await using var holder = await TestDb.OpenAsync(application);
                await TestDb.ExecuteAsync(holder, $"BEGIN; SELECT * FROM {table}");
                var reporter = new RecordingReporter();

                var clock = Stopwatch.StartNew();
                var failure = Assert.Single(await RunAsync(Request(table, new[] { Op.VacuumFull }, lockTimeout: TimeSpan.FromSeconds(2)), reporter)).Failure!;

                Assert.Equal("LockTimeout", failure.ErrorId);
                Assert.Equal(FailureCategory.ResourceUnavailable, failure.Category);
                Assert.Contains("SQLSTATE 55P03", failure.Message);
                Assert.Equal("public." + table, failure.TargetObject);
                Assert.InRange(clock.Elapsed.TotalSeconds, 1.9, 10);
                Assert.Contains(reporter.Progresses, p => p.Status.EndsWith($"waiting for a lock held by pid {holder.ProcessID}", StringComparison.Ordinal));
            }
            finally
            {
                await TestDb.TerminateApplicationAsync(application);
                await TestDb.DropTableAsync(table);
            }
        }

        [Fact]
        public async Task Cancelling_stops_a_waiting_VacuumFull_at_once_and_leaves_no_statement_behind()
        {
            var table = TestDb.Unique("cancel");
            var holderApplication = TestDb.Unique("holder");
            var maintenanceApplication = TestDb.Unique("maint");
            try
            {
                await TestDb.ExecuteAsync($"CREATE TABLE {table} (id int); INSERT INTO {table} VALUES (1)");
                await using var holder = await TestDb.OpenAsync(holderApplication);
                await TestDb.ExecuteAsync(holder, $"BEGIN; SELECT * FROM {table}");
                using var cancel = new CancellationTokenSource();
                var running = RunAsync(Request(table, new[] { Op.VacuumFull }), connectionString: TestBed.PostgresUri + "?application_name=" + maintenanceApplication,
                    cancellationToken: cancel.Token);
                await TestDb.WaitUntilAsync(async () => await Psql.ScalarAsync(
                    $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{maintenanceApplication}' AND wait_event_type = 'Lock'") == 1, "the VACUUM FULL waiting");

                var clock = Stopwatch.StartNew();
                cancel.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed} to stop");
                await TestDb.WaitUntilAsync(async () => await Psql.ScalarAsync(
                    $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{maintenanceApplication}'") == 0, "the maintenance sessions ending");
            }
            finally
            {
                await TestDb.TerminateApplicationAsync(holderApplication);
                await TestDb.DropTableAsync(table);
            }
        }

        [Fact]
        public async Task Reindex_of_another_owners_table_is_PermissionDenied_while_the_database_owner_may_vacuum_it()
        {
            var table = TestDb.Unique("theirs");
            try
            {
                await TestDb.ExecuteAsync($"CREATE TABLE {table} (id int PRIMARY KEY); INSERT INTO {table} VALUES (1)", TestDb.Superuser);
                var indexNode = await Psql.ScalarAsync($"SELECT pg_relation_filenode('{table}_pkey')", TestDb.Superuser);

                var failure = Assert.Single(await RunAsync(Request(table, new[] { Op.Reindex }))).Failure!;
                Assert.Equal("PermissionDenied", failure.ErrorId);
                Assert.Equal(FailureCategory.PermissionDenied, failure.Category);
                Assert.Contains("'postgres'", failure.Message);
                Assert.Equal(indexNode, await Psql.ScalarAsync($"SELECT pg_relation_filenode('{table}_pkey')", TestDb.Superuser));

                // opsrunbook owns the database, which lets it vacuum every table in it.
                Assert.Equal($"VACUUM (FULL) public.{table}", Assert.Single(await RunAsync(Request(table, new[] { Op.VacuumFull }))).Result!.Command);
            }
            finally
            {
                await TestDb.DropTableAsync(table);
            }
        }

        [Fact]
        public async Task Unknown_table_or_database_is_an_error_and_nothing_runs()
        {
            var table = Assert.Single(await RunAsync(Request("no_such_table", new[] { Op.Vacuum }))).Failure!;
            Assert.Equal("TableNotFound", table.ErrorId);

            var database = Assert.Single(await RunAsync(Request("*", new[] { Op.Vacuum }, databases: new[] { TestBed.PostgresDatabase, "no_such_db" }))).Failure!;
            Assert.Equal("DatabaseNotFound", database.ErrorId);
            Assert.Equal(FailureCategory.ObjectNotFound, database.Category);
        }
    }
}
