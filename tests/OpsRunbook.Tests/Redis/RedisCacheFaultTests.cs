using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Redis;
using Xunit;

namespace OpsRunbook.Tests.Redis
{
    /// <summary>
    /// Clear-RedisCache against redis-servers of the tests' own: several primaries, a replica, FLUSHDB, and the
    /// server stopping or restarting mid-clear. Each server is stopped by its own process id.
    /// </summary>
    public class RedisCacheFaultTests
    {
        private static async Task<RedisSession> Open(string text) =>
            await RedisSession.OpenAsync(RedisConnectionInfo.Parse(text, null, Env.None), TimeSpan.FromSeconds(5), OperationReporter.None, CancellationToken.None);

        [Fact]
        public async Task All_flushes_the_one_database_and_leaves_the_others()
        {
            using var server = RedisServerProcess.Start();
            server.Populate(500, "keep", database: 0);
            server.Populate(800, "go", database: 2);
            using var session = await Open(server.Uri);
            var cleaner = new RedisCacheCleaner(session);

            var counted = await cleaner.FlushAsync(2, whatIf: true, OperationReporter.None, CancellationToken.None);
            Assert.Equal(800, server.DbSize(2));
            var flushed = await cleaner.FlushAsync(2, whatIf: false, OperationReporter.None, CancellationToken.None);

            Assert.True(counted.WhatIf);
            Assert.Equal(800, counted.Matched);
            Assert.Equal(0, counted.Deleted);
            Assert.Equal(RedisClearMethod.FlushDatabase, flushed.Method);
            Assert.Equal("*", flushed.Pattern);
            Assert.Equal(800, flushed.Deleted);
            var deadline = Stopwatch.StartNew();
            while (server.DbSize(2) != 0 && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }

            Assert.Equal(0, server.DbSize(2));
            Assert.Equal(500, server.DbSize(0));
        }

        [Fact]
        public async Task Sweeps_every_primary_of_a_connection_with_several_endpoints()
        {
            using var first = RedisServerProcess.Start();
            using var second = RedisServerProcess.Start();
            first.Populate(3000, "cache:x");
            first.Populate(100, "other");
            second.Populate(2000, "cache:x");
            second.Populate(50, "other");
            using var session = await Open($"{first.Endpoint},{second.Endpoint},password={TestBed.Password}");

            var result = await new RedisCacheCleaner(session).ClearAsync(new RedisClearRequest("cache:x:*", null), OperationReporter.None, CancellationToken.None);

            Assert.Equal(2, result.Primaries);
            Assert.Equal(5000, result.Deleted);
            Assert.Equal(5150, result.Scanned);
            Assert.Equal(100, first.DbSize());
            Assert.Equal(50, second.DbSize());
            SecretAssert.Absent(result.Server);
        }

        [Fact]
        public async Task Leaves_replicas_to_replication()
        {
            // No diskless-sync delay: the replica copies the primary at once instead of after 5 s.
            using var primary = RedisServerProcess.Start(extra: new[] { "repl-diskless-sync-delay 0" });
            // DEBUG POPULATE is not replicated: the replica starts after it and copies the whole data set.
            primary.Populate(1000, "cache");
            primary.Populate(10, "other");
            using var replica = RedisServerProcess.Start(extra: new[] { $"replicaof 127.0.0.1 {primary.Port}" });
            await WaitFor(() => replica.DbSize() == 1010, "the replica to copy the primary");
            using var session = await Open($"{primary.Endpoint},{replica.Endpoint},password={TestBed.Password}");

            var result = await new RedisCacheCleaner(session).ClearAsync(new RedisClearRequest("cache:*", null), OperationReporter.None, CancellationToken.None);

            Assert.Equal(1, result.Primaries);
            Assert.Equal(1000, result.Deleted);
            await WaitFor(() => replica.DbSize() == 10, "the replica to follow the deletes");
        }

        [Fact]
        public async Task A_server_that_stops_mid_clear_is_an_error_with_what_was_deleted()
        {
            using var server = RedisServerProcess.Start();
            server.Populate(300_000, "cache");
            server.Populate(1000, "keep");
            using var session = await Open(server.Uri);
            var killer = new KillOnProgress(server.Kill, deletedAtLeast: 20_000);
            var clock = Stopwatch.StartNew();

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                new RedisCacheCleaner(session).ClearAsync(new RedisClearRequest("cache:*", null), killer, CancellationToken.None));
            clock.Stop();

            Assert.True(killer.Fired);
            Assert.Equal("RedisConnectionLost", ex.ErrorId);
            Assert.Equal(FailureCategory.ConnectionError, ex.Category);
            var partial = Assert.IsType<RedisCacheClearResult>(ex.TargetObject);
            Assert.False(partial.Completed);
            Assert.InRange(partial.Deleted, 20_000, 299_999);
            Assert.Contains($"{partial.Deleted} keys matching 'cache:*' had been deleted", ex.Message);
            Assert.Contains("no key outside the pattern was touched", ex.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the error took {clock.Elapsed} (timeout 5 s)");
            SecretAssert.Absent(ex);
        }

        [Fact]
        public async Task A_server_that_restarts_mid_clear_keeps_every_key_outside_the_pattern()
        {
            // Save points: SIGTERM makes the server save before it stops, so the restart shows what was deleted.
            using var server = RedisServerProcess.Start(save: "3600 1");
            server.Populate(200_000, "cache");
            server.Populate(5000, "keep");
            using var session = await Open(server.Uri);
            var restarter = new KillOnProgress(server.Restart, deletedAtLeast: 20_000);

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                new RedisCacheCleaner(session).ClearAsync(new RedisClearRequest("cache:*", null), restarter, CancellationToken.None));

            Assert.True(restarter.Fired);
            Assert.Equal("RedisConnectionLost", ex.ErrorId);
            var partial = Assert.IsType<RedisCacheClearResult>(ex.TargetObject);
            Assert.Equal(5000, RedisCli.Count(server.Port, 0, "keep:*"));
            var left = RedisCli.Count(server.Port, 0, "cache:*");
            // Deletes in flight when the server went may have happened unconfirmed: never fewer gone than reported.
            Assert.InRange(left, 1, 200_000 - partial.Deleted);
            Assert.Equal(left + 5000, server.DbSize());
        }

        private static async Task WaitFor(Func<bool> condition, string what)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(15))
                {
                    throw new TimeoutException($"Waited 15 s for {what}.");
                }

                await Task.Delay(50);
            }
        }

        /// <summary>Stops the server (once) from inside the clear, when the progress says enough was deleted.</summary>
        private sealed class KillOnProgress : IOperationReporter
        {
            private readonly Action _fault;
            private readonly long _deletedAtLeast;
            private int _fired;

            public KillOnProgress(Action fault, long deletedAtLeast)
            {
                _fault = fault;
                _deletedAtLeast = deletedAtLeast;
            }

            public bool Fired => _fired == 1;

            public bool IsVerbose => false;

            public void Verbose(string message) { }

            public void Warning(string message) { }

            public void Progress(OperationProgress progress)
            {
                var deleted = long.Parse(new string(progress.Status.TakeWhile(c => char.IsDigit(c) || c == ',').Where(char.IsDigit).ToArray()) is { Length: > 0 } digits ? digits : "0",
                    System.Globalization.CultureInfo.InvariantCulture);
                if (deleted >= _deletedAtLeast && Interlocked.Exchange(ref _fired, 1) == 0)
                {
                    _fault();
                }
            }
        }
    }
}
