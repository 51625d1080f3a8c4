using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    [Collection("Database")]
    public class DatabaseSessionStopperTests
    {
        private static async Task<IReadOnlyList<Outcome<DatabaseSessionStopResult>>> StopAsync(DatabaseSessionStopAction action,
            Func<DatabaseSession, CancellationToken, Task<bool>>? confirm, params SessionStopRequest[] requests)
        {
            var outcomes = await TestDb.AllAsync(new DatabaseSessionStopper(action).StopAsync(requests, confirm ?? TestDb.Confirm, OperationReporter.None, CancellationToken.None));
            foreach (var outcome in outcomes)
            {
                if (outcome.Failure is not null)
                {
                    SecretAssert.Absent(outcome.Failure);
                }
            }

            return outcomes;
        }

        private static SessionStopRequest Request(int pid, DateTimeOffset? backendStart = null) => new(TestDb.Connector(), pid, backendStart);

        [Fact]
        public async Task Cancels_one_query_and_terminates_another_session_and_psql_confirms_they_are_gone()
        {
            await using var scene = await BlockingScene.StartAsync();
            var seen = await new DatabaseActivityReader(TestDb.Connector())
                .ReadAsync(new ActivityFilter { Applications = new[] { scene.Application } }, OperationReporter.None, CancellationToken.None);
            var asked = new List<int>();
            Task<bool> Confirm(DatabaseSession session, CancellationToken _)
            {
                asked.Add(session.Pid);
                return Task.FromResult(true);
            }

            // The sleeping query, as Get-DatabaseActivity wrote it, is cancelled: the session stays, its query ends.
            var cancel = Assert.Single(await StopAsync(DatabaseSessionStopAction.Cancel, Confirm,
                SessionStopRequest.For(seen.Single(s => s.Pid == scene.SleeperPid), TimeSpan.FromSeconds(15), () => throw new InvalidOperationException())));
            var cancelled = cancel.Result!;
            Assert.Equal(DatabaseSessionStopStatus.Cancelled, cancelled.Status);
            Assert.Equal(DatabaseSessionStopAction.Cancel, cancelled.Action);
            Assert.Equal(scene.SleeperPid, cancelled.Pid);
            Assert.Equal(DatabaseSessionState.Active, cancelled.State);
            Assert.Contains("pg_sleep(60)", cancelled.Query);
            Assert.True(cancelled.Elapsed < TimeSpan.FromSeconds(5), $"took {cancelled.Elapsed}");
            var canceledQuery = await Assert.ThrowsAsync<PostgresException>(() => scene.Sleeping.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal("57014", canceledQuery.SqlState);
            Assert.Equal(0, await Psql.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid = {scene.SleeperPid} AND state = 'active'"));

            // The lock holder is terminated: its session is gone and the query it blocked goes through.
            var terminate = Assert.Single(await StopAsync(DatabaseSessionStopAction.Terminate, Confirm, Request(scene.HolderPid)));
            Assert.Equal(DatabaseSessionStopStatus.Terminated, terminate.Result!.Status);
            Assert.Equal(DatabaseSessionState.IdleInTransaction, terminate.Result.State);
            Assert.Equal(0, await Psql.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid = {scene.HolderPid}"));
            await scene.Waiting.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(new[] { scene.SleeperPid, scene.HolderPid }, asked);
        }

        [Fact]
        public async Task A_declined_confirmation_leaves_the_session_alone()
        {
            await using var scene = await BlockingScene.StartAsync();

            var outcomes = await StopAsync(DatabaseSessionStopAction.Terminate, TestDb.Decline, Request(scene.SleeperPid));

            Assert.Empty(outcomes);
            Assert.Equal(1, await Psql.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid = {scene.SleeperPid} AND state = 'active'"));
        }

        [Fact]
        public async Task Cancelling_an_idle_session_has_nothing_to_cancel_and_sends_no_signal()
        {
            var application = TestDb.Unique("idle");
            await using var idle = await TestDb.OpenAsync(application);
            var asked = false;

            var outcome = Assert.Single(await StopAsync(DatabaseSessionStopAction.Cancel, (_, _) => Task.FromResult(asked = true), Request(idle.ProcessID)));

            Assert.Equal(DatabaseSessionStopStatus.NothingToCancel, outcome.Result!.Status);
            Assert.Equal(DatabaseSessionState.Idle, outcome.Result.State);
            Assert.False(asked);
            Assert.Equal(1, await TestDb.ScalarOnAsync(idle, "SELECT 1"));
        }

        [Fact]
        public async Task Unknown_pid_is_SessionNotFound_and_the_others_go_on()
        {
            var application = TestDb.Unique("gone");
            await using var other = await TestDb.OpenAsync(application);

            var outcomes = await StopAsync(DatabaseSessionStopAction.Terminate, null, Request(int.MaxValue), Request(other.ProcessID));

            Assert.Equal(2, outcomes.Count);
            Assert.Equal("SessionNotFound", outcomes[0].Failure!.ErrorId);
            Assert.Equal(FailureCategory.ObjectNotFound, outcomes[0].Failure!.Category);
            Assert.Equal(int.MaxValue, outcomes[0].Failure!.TargetObject);
            Assert.Equal(DatabaseSessionStopStatus.Terminated, outcomes[1].Result!.Status);
        }

        [Fact]
        public async Task A_pid_that_now_belongs_to_a_newer_session_is_SessionNotFound()
        {
            var application = TestDb.Unique("reused");
            await using var session = await TestDb.OpenAsync(application);
            var started = await TestDb.BackendStartAsync(session);

            var outcome = Assert.Single(await StopAsync(DatabaseSessionStopAction.Terminate, null, Request(session.ProcessID, started.AddMinutes(-5))));

            Assert.Equal("SessionNotFound", outcome.Failure!.ErrorId);
            Assert.Contains("has ended", outcome.Failure.Message);
            Assert.Equal(1, await Psql.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid = {session.ProcessID}"));
        }

        [Fact]
        public async Task A_superusers_session_is_PermissionDenied_for_an_ordinary_user()
        {
            var application = TestDb.Unique("root");
            await using var superuser = await TestDb.OpenAsync(application, TestDb.Superuser);
            var sleeping = TestDb.StartAsync(superuser, "SELECT pg_sleep(60)");
            try
            {
                await TestDb.WaitUntilAsync(async () => await Psql.ScalarAsync(
                    $"SELECT count(*) FROM pg_stat_activity WHERE pid = {superuser.ProcessID} AND state = 'active'", TestDb.Superuser) == 1, "the superuser's query");

                foreach (var action in new[] { DatabaseSessionStopAction.Cancel, DatabaseSessionStopAction.Terminate })
                {
                    var failure = Assert.Single(await StopAsync(action, null, Request(superuser.ProcessID))).Failure!;
                    Assert.Equal("PermissionDenied", failure.ErrorId);
                    Assert.Equal(FailureCategory.PermissionDenied, failure.Category);
                    Assert.Contains("SQLSTATE 42501", failure.Message);
                    Assert.Contains("superuser", failure.RecommendedAction);
                }

                Assert.Equal(1, await Psql.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid = {superuser.ProcessID} AND state = 'active'", TestDb.Superuser));
            }
            finally
            {
                await TestDb.TerminateApplicationAsync(application);
                await Assert.ThrowsAnyAsync<Exception>(() => sleeping.WaitAsync(TimeSpan.FromSeconds(10)));
            }
        }

        [Fact]
        public async Task Never_stops_its_own_session()
        {
            var connector = TestDb.Connector();
            await using var own = await connector.OpenAsync("session control", CancellationToken.None);

            var outcome = await new DatabaseSessionStopper(DatabaseSessionStopAction.Terminate).StopOneAsync(own, connector,
                new SessionStopRequest(connector, own.ProcessID), TestDb.Confirm, OperationReporter.None, CancellationToken.None);

            Assert.Equal("OwnSession", outcome!.Failure!.ErrorId);
            Assert.Equal(FailureCategory.InvalidOperation, outcome.Failure.Category);
            Assert.Equal(1, await TestDb.ScalarOnAsync(own, "SELECT 1"));
        }
    }
}
