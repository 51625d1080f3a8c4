using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    [Collection("Database")]
    public class DatabaseActivityReaderTests
    {
        private static DatabaseActivityReader Reader() => new(TestDb.Connector());

        private static Task<System.Collections.Generic.IReadOnlyList<DatabaseSession>> ReadAsync(ActivityFilter filter, IOperationReporter? reporter = null) =>
            Reader().ReadAsync(filter, reporter ?? OperationReporter.None, CancellationToken.None);

        [Fact]
        public async Task Shows_each_session_with_its_duration_and_the_blocking_chain_longest_first()
        {
            await using var scene = await BlockingScene.StartAsync();

            var sessions = await ReadAsync(new ActivityFilter { Applications = new[] { scene.Application } });

            Assert.Equal(new[] { scene.HolderPid, scene.SleeperPid, scene.WaiterPid }.OrderBy(p => p), sessions.Select(s => s.Pid).OrderBy(p => p));
            Assert.Equal(sessions.OrderByDescending(s => s.Duration).Select(s => s.Pid), sessions.Select(s => s.Pid));
            Assert.Equal(scene.HolderPid, sessions[0].Pid);

            var holder = sessions.Single(s => s.Pid == scene.HolderPid);
            Assert.Equal(DatabaseSessionState.IdleInTransaction, holder.State);
            Assert.Equal(new[] { scene.WaiterPid }, holder.Blocking);
            Assert.Empty(holder.BlockedBy);
            Assert.Contains("LOCK TABLE", holder.Query);
            Assert.True(holder.Duration >= TimeSpan.FromMilliseconds(250), $"holder in its state for {holder.Duration}");
            Assert.True(holder.TransactionDuration >= holder.Duration, $"transaction {holder.TransactionDuration}, state {holder.Duration}");

            var waiter = sessions.Single(s => s.Pid == scene.WaiterPid);
            Assert.Equal(DatabaseSessionState.Active, waiter.State);
            Assert.Equal("Lock", waiter.WaitEventType);
            Assert.StartsWith("Lock:", waiter.WaitEvent);
            Assert.Equal(new[] { scene.HolderPid }, waiter.BlockedBy);
            Assert.Equal($"SELECT count(*) FROM {scene.Table}", waiter.Query);

            var sleeper = sessions.Single(s => s.Pid == scene.SleeperPid);
            Assert.Equal("Timeout:PgSleep", sleeper.WaitEvent);
            Assert.Equal("SELECT pg_sleep(60) /* 'literal' stays */", sleeper.Query);
            Assert.False(sleeper.QueryTruncated);
            Assert.Empty(sleeper.BlockedBy);

            foreach (var session in sessions)
            {
                Assert.Equal(TestBed.PostgresUser, session.User);
                Assert.Equal(TestBed.PostgresDatabase, session.Database);
                Assert.Equal(scene.Application, session.Application);
                Assert.Equal("client backend", session.BackendType);
                Assert.Equal("127.0.0.1", session.ClientAddress);
                Assert.InRange(session.ClientPort ?? 0, 1, 65535);
                Assert.True(session.Duration > TimeSpan.Zero);
                Assert.True(session.BackendStart <= session.QueryStart);
                Assert.Equal($"postgres://{TestBed.PostgresUser}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}", session.Server);
                SecretAssert.Absent(session.ToString());
                SecretAssert.Absent(System.Text.Json.JsonSerializer.Serialize(session));
            }

            // psql sees the same three backends.
            var seen = await Psql.QueryAsync($"SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE application_name = '{scene.Application}'");
            Assert.Equal(string.Join(",", sessions.Select(s => s.Pid).OrderBy(p => p)), seen);
        }

        [Fact]
        public async Task Filters_by_state_duration_block_user_and_database_and_cuts_queries()
        {
            await using var scene = await BlockingScene.StartAsync();
            var mine = new[] { scene.Application };

            var active = await ReadAsync(new ActivityFilter { Applications = mine, States = new[] { DatabaseSessionState.Active } });
            Assert.Equal(new[] { scene.SleeperPid, scene.WaiterPid }.OrderBy(p => p), active.Select(s => s.Pid).OrderBy(p => p));

            var blocked = await ReadAsync(new ActivityFilter { Applications = mine, BlockedOnly = true });
            Assert.Equal(scene.WaiterPid, Assert.Single(blocked).Pid);

            Assert.Empty(await ReadAsync(new ActivityFilter { Applications = mine, MinDuration = TimeSpan.FromHours(1) }));
            Assert.Equal(3, (await ReadAsync(new ActivityFilter { Applications = mine, MinDuration = TimeSpan.FromMilliseconds(1) })).Count);
            Assert.Equal(3, (await ReadAsync(new ActivityFilter { Applications = new[] { "orb_app_*" }, Users = new[] { "opsr*" }, Databases = new[] { TestBed.PostgresDatabase } }))
                .Count(s => s.Application == scene.Application));
            Assert.Empty(await ReadAsync(new ActivityFilter { Applications = mine, Users = new[] { TestDb.Superuser } }));
            Assert.Empty(await ReadAsync(new ActivityFilter { Applications = mine, Databases = new[] { "postgres" } }));

            var cut = await ReadAsync(new ActivityFilter { Applications = mine, QueryLength = 16 });
            var sleeper = cut.Single(s => s.Pid == scene.SleeperPid);
            Assert.Equal("SELECT pg_sleep(", sleeper.Query);
            Assert.True(sleeper.QueryTruncated);
        }

        [Fact]
        public async Task Summary_counts_sessions_per_state_against_max_connections()
        {
            await using var scene = await BlockingScene.StartAsync();

            var summary = await Reader().SummarizeAsync(new ActivityFilter { Applications = new[] { scene.Application } }, OperationReporter.None, CancellationToken.None);

            Assert.Equal(3, summary.Sessions);
            Assert.Equal(2, summary.Active);
            Assert.Equal(1, summary.IdleInTransaction);
            Assert.Equal(0, summary.Idle);
            Assert.Equal(0, summary.Other);
            Assert.Equal(1, summary.Blocked);
            Assert.Equal(30, summary.MaxConnections);
            Assert.Equal(3, summary.ReservedConnections);
            Assert.InRange(summary.Connections, 4, 30);
            Assert.Equal(Math.Round(100.0 * summary.Connections / 30, 1), summary.UsedPercent);
            Assert.NotNull(summary.LongestQuery);
            Assert.True(summary.LongestTransaction >= summary.LongestQuery);
            Assert.Contains("of 30 connections", summary.ToString());
        }

        [Fact]
        public async Task Leaves_out_its_own_session_and_background_processes_unless_asked()
        {
            var application = TestDb.Unique("self");
            var reader = new DatabaseActivityReader(TestDb.Connector(TestBed.PostgresUri + "?application_name=" + application));

            var sessions = await reader.ReadAsync(new ActivityFilter(), OperationReporter.None, CancellationToken.None);
            Assert.DoesNotContain(sessions, s => s.Application == application);
            Assert.All(sessions, s => Assert.Equal("client backend", s.BackendType));

            // A superuser sees what the server processes are; an ordinary user sees only that they are there.
            var superuser = new DatabaseActivityReader(TestDb.Connector(
                $"postgres://{TestDb.Superuser}:{Uri.EscapeDataString(TestBed.Password)}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}"));
            var everything = await superuser.ReadAsync(new ActivityFilter { IncludeBackground = true }, OperationReporter.None, CancellationToken.None);
            Assert.Contains(everything, s => s.BackendType == "checkpointer");
            Assert.Contains(everything, s => s.BackendType == "walwriter");
            Assert.DoesNotContain(await superuser.ReadAsync(new ActivityFilter(), OperationReporter.None, CancellationToken.None), s => s.BackendType == "checkpointer");
            var checkpointer = everything.Single(s => s.BackendType == "checkpointer").Pid;
            Assert.Contains(await reader.ReadAsync(new ActivityFilter { IncludeBackground = true }, OperationReporter.None, CancellationToken.None), s => s.Pid == checkpointer);
        }

        [Fact]
        public async Task Sessions_of_a_superuser_hide_their_query_from_others_and_say_so()
        {
            var application = TestDb.Unique("super");
            await using var superuser = await TestDb.OpenAsync(application, TestDb.Superuser);
            var reporter = new RecordingReporter();

            var sessions = await ReadAsync(new ActivityFilter { Users = new[] { TestDb.Superuser } }, reporter);

            // Its pid, user, database and application show; its state and query do not.
            var hidden = Assert.Single(sessions, s => s.Pid == superuser.ProcessID);
            Assert.Equal(TestDb.Superuser, hidden.User);
            Assert.Equal(TestBed.PostgresDatabase, hidden.Database);
            Assert.Equal("<insufficient privilege>", hidden.Query);
            Assert.Null(hidden.State);
            Assert.Equal(application, hidden.Application);
            Assert.Contains(reporter.Warnings, w => w.Contains("pg_read_all_stats"));

            var summary = await Reader().SummarizeAsync(new ActivityFilter { Users = new[] { TestDb.Superuser } }, OperationReporter.None, CancellationToken.None);
            Assert.InRange(summary.Other, 1, 30);
        }

        [Theory]
        [InlineData("database", "no_such_db", "DatabaseNotFound")]
        [InlineData("user", "no_such_role", "UserNotFound")]
        public async Task A_name_without_wildcards_that_does_not_exist_is_an_error(string kind, string name, string errorId)
        {
            var filter = kind == "database" ? new ActivityFilter { Databases = new[] { name } } : new ActivityFilter { Users = new[] { name } };

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => ReadAsync(filter));

            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal(FailureCategory.ObjectNotFound, ex.Category);
            Assert.Contains(name, ex.Message);
            Assert.NotNull(ex.RecommendedAction);
            Assert.Empty(await ReadAsync(kind == "database" ? new ActivityFilter { Databases = new[] { "no_such_*" } } : new ActivityFilter { Users = new[] { "no_such_*" } }));
        }
    }
}
