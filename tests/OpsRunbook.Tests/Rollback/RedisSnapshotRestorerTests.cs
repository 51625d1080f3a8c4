using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Redis;
using OpsRunbook.Tests.Containers;
using OpsRunbook.Tests.Database;
using OpsRunbook.Tests.Redis;
using Xunit;

namespace OpsRunbook.Tests.Rollback
{
    /// <summary>
    /// The Redis step of a rollback: an RDB put back into a real redis-server's dir inside its container through the
    /// Engine API, the container restarted; into a local server in no container by replication; and the servers it must
    /// refuse. redis-cli is the witness.
    /// </summary>
    public sealed class RedisSnapshotRestorerTests : IDisposable
    {
        private static readonly Func<string, string?> Docker = name => name == "DOCKER_HOST" ? TestBed.DockerHost : null;

        private readonly string _folder = Path.Combine(TestBed.Artifacts, "redis-restore-" + Guid.NewGuid().ToString("N")[..8]);

        public RedisSnapshotRestorerTests()
        {
            Directory.CreateDirectory(_folder);
        }

        public void Dispose() => TestArtifacts.Remove(_folder);

        private static RedisTarget Target(string uri, string? container) =>
            new("cache", RedisConnectionInfo.Parse(uri, null, Env.None), container, TestBed.DockerHost);

        private static Task<RedisRestoreOutcome> RestoreAsync(RedisTarget target, string rdb) =>
            new RedisSnapshotRestorer(Docker).RestoreAsync(target, rdb, TimeSpan.FromSeconds(30), new RecordingReporter(), CancellationToken.None);

        private static async Task<RedisBackup> BackupAsync(RedisContainer redis, string rdb)
        {
            using var session = await RedisSession.OpenAsync(RedisConnectionInfo.Parse(redis.Uri, null, Env.None), TimeSpan.FromSeconds(10), OperationReporter.None, CancellationToken.None);
            return await new RedisBackupMaker(session, Docker).BackupAsync(new RedisBackupRequest(rdb, redis.Name, TestBed.DockerHost, TimeSpan.FromSeconds(30), ContainerIfNotLocal: true),
                OperationReporter.None, CancellationToken.None);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(3)]
        public async Task A_nearly_empty_server_in_a_container_is_backed_up_and_restored(int keys)
        {
            // Snapshots this small come from the daemon with a Content-Length, whose stream stops saying it can be read
            // the moment its last byte is taken, while the tar reader still has bytes of it to hand out.
            await using var redis = await RedisContainer.StartAsync();
            for (var i = 0; i < keys; i++)
            {
                RedisCli.Run(redis.Port, 0, "SET", $"release-2-only-{i}", "x");
            }

            var rdb = Path.Combine(_folder, $"tiny-{keys}.rdb");
            var backup = await BackupAsync(redis, rdb);

            Assert.Equal(0, Witness.Run("sha256sum", new[] { "-c", Path.GetFileName(backup.ChecksumPath!) }, _folder).ExitCode);
            RedisCli.Run(redis.Port, 0, "SET", "after", "x");
            RedisCli.Run(redis.Port, 0, "SAVE");
            Assert.Equal(keys, (await RestoreAsync(Target(redis.Uri, redis.Name), rdb)).Keys);
            Assert.Equal(keys.ToString(System.Globalization.CultureInfo.InvariantCulture), RedisCli.Run(redis.Port, 0, "DBSIZE").Trim());
        }

        [Fact]
        public async Task The_snapshot_goes_into_the_containers_dir_and_the_server_comes_back_with_its_keys()
        {
            await using var redis = await RedisContainer.StartAsync();
            RedisCli.Run(redis.Port, 0, "EVAL", "for i=1,50 do redis.call('SET', 'kept:' .. i, 'value ' .. i) end", "0");
            var rdb = Path.Combine(_folder, "cache.rdb");
            await BackupAsync(redis, rdb);

            // What happened since the point: the data changed, and the server's own snapshot in its dir with it, so
            // only the file put back can bring the 50 keys back.
            RedisCli.Run(redis.Port, 0, "FLUSHALL");
            RedisCli.Run(redis.Port, 0, "SET", "after-the-point", "x");
            RedisCli.Run(redis.Port, 0, "SAVE");

            var outcome = await RestoreAsync(Target(redis.Uri, redis.Name), rdb);

            Assert.Equal(50, outcome.Keys);
            Assert.Equal("50", RedisCli.Run(redis.Port, 0, "DBSIZE").Trim());
            Assert.Equal("value 37", RedisCli.Run(redis.Port, 0, "GET", "kept:37").Trim());
            Assert.Equal("0", RedisCli.Run(redis.Port, 0, "EXISTS", "after-the-point").Trim());
            Assert.Equal("running", TestContainers.Inspect(redis.Name, "{{.State.Status}}"));
        }

        [Fact]
        public async Task A_server_on_this_machine_in_no_container_gets_the_snapshot_by_replication_without_a_restart()
        {
            using var server = RedisServerProcess.Start(extra: new[] { "appendonly yes" });
            server.Cli("EVAL", "for i=1,50 do redis.call('SET', 'kept:' .. i, 'value ' .. i) end", "0");
            var rdb = Path.Combine(_folder, "local.rdb");
            using (var session = await RedisSession.OpenAsync(server.Connection, TimeSpan.FromSeconds(10), OperationReporter.None, CancellationToken.None))
            {
                await new RedisBackupMaker(session, Env.None).BackupAsync(new RedisBackupRequest(rdb, null, null, TimeSpan.FromSeconds(30), ContainerIfNotLocal: true),
                    OperationReporter.None, CancellationToken.None);
            }

            server.Cli("FLUSHALL");
            server.Cli("SET", "after-the-point", "x");
            var reporter = new RecordingReporter();

            var outcome = await new RedisSnapshotRestorer(Environment.GetEnvironmentVariable).RestoreAsync(Target(server.Uri, null), rdb, TimeSpan.FromSeconds(30), reporter, CancellationToken.None);

            Assert.Equal(50, outcome.Keys);
            Assert.Equal(50, server.DbSize());
            Assert.Equal("value 37", server.Cli("GET", "kept:37").Trim());
            Assert.Equal("0", server.Cli("EXISTS", "after-the-point").Trim());
            // The same process, a primary again; the temporary server is gone, and with appendonly on the data is in its AOF too.
            Assert.True(server.IsRunning);
            Assert.Contains("role:master", server.Cli("INFO", "replication"), StringComparison.Ordinal);
            Assert.Empty(RedisRestoreSafetyTests.TemporaryServers());
            SecretAssert.Absent(string.Join("\n", reporter.Verboses));
        }

        [Fact]
        public async Task A_server_elsewhere_in_no_container_is_RedisRestoreNeedsContainer_before_anything_is_asked()
        {
            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => RestoreAsync(Target("redis://cache.invalid:6379", null), Path.Combine(_folder, "never-used.rdb")));

            Assert.Equal("RedisRestoreNeedsContainer", ex.ErrorId);
            Assert.Equal(FailureCategory.InvalidOperation, ex.Category);
            Assert.Contains("CONFIG GET dir", ex.RecommendedAction, StringComparison.Ordinal);
        }

        [Fact]
        public async Task A_server_with_appendonly_on_is_RedisAppendOnly_before_its_container_is_touched()
        {
            using var server = RedisServerProcess.Start(extra: new[] { "appendonly yes" });
            server.Cli("SET", "aof-key", "kept");

            // The container named does not exist: the refusal comes before the Engine API is asked anything.
            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => RestoreAsync(Target(server.Uri, "orb-no-such-" + Guid.NewGuid().ToString("N")[..8]),
                Path.Combine(_folder, "never-used.rdb")));

            Assert.Equal("RedisAppendOnly", ex.ErrorId);
            SecretAssert.Absent(ex);
            Assert.True(server.IsRunning);
            Assert.Equal("kept", server.Cli("GET", "aof-key").Trim());
        }
    }
}
