using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Redis;
using OpsRunbook.Tests.Containers;
using OpsRunbook.Tests.Database;
using OpsRunbook.Tests.Redis;
using Xunit;

namespace OpsRunbook.Tests.Rollback
{
    /// <summary>
    /// A Redis restore that fails before its swap leaves the server running with its data; what a killed one left (a
    /// container stopped, a server replicating a temporary server that died, staged files) is put right by the next
    /// Redis command, which says so; the temporary server takes no connection without its password. redis-cli,
    /// docker's view of the container, stat and /proc are the witnesses.
    /// </summary>
    public sealed class RedisRestoreSafetyTests : IDisposable
    {
        private static readonly Func<string, string?> Docker = name => name == "DOCKER_HOST" ? TestBed.DockerHost : Environment.GetEnvironmentVariable(name);

        private readonly string _folder = Path.Combine(TestBed.Artifacts, "redis-safety-" + Guid.NewGuid().ToString("N")[..8]);

        public RedisRestoreSafetyTests()
        {
            Directory.CreateDirectory(_folder);
        }

        public void Dispose() => TestArtifacts.Remove(_folder);

        private static RedisTarget Target(string uri, string? container) =>
            new("cache", RedisConnectionInfo.Parse(uri, null, Env.None), container, TestBed.DockerHost);

        /// <summary>An RDB of <paramref name="keys"/> keys of 100 bytes each, from a server of its own.</summary>
        private async Task<string> SnapshotAsync(int keys, string name)
        {
            using var server = RedisServerProcess.Start();
            server.Cli("EVAL", $"for i=1,{keys} do redis.call('SET', 'snap:' .. i, redis.sha1hex(tostring(i)) .. redis.sha1hex(tostring(i * 7))) end", "0");
            var rdb = Path.Combine(_folder, name);
            using var session = await RedisSession.OpenAsync(server.Connection, TimeSpan.FromSeconds(10), OperationReporter.None, CancellationToken.None);
            await new RedisBackupMaker(session, Env.None).BackupAsync(new RedisBackupRequest(rdb, null, null, TimeSpan.FromSeconds(30), ContainerIfNotLocal: true),
                OperationReporter.None, CancellationToken.None);
            return rdb;
        }

        /// <summary>
        /// The temporary redis-servers running now, with their folders: redis-server rewrites its command line, so they are
        /// known by their working directory, which is their dir.
        /// </summary>
        internal static (string Pid, string Folder)[] TemporaryServers() =>
            Witness.Run("pgrep", new[] { "-x", "redis-server" }).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(pid => (Pid: pid, Folder: Witness.Run("readlink", new[] { $"/proc/{pid}/cwd" }).Output.Trim()))
                .Where(p => p.Folder.Contains("/.opsrunbook-redis-restore-", StringComparison.Ordinal))
                .ToArray();

        private static string Staged(RedisContainer redis) =>
            Witness.Run("bash", Array.Empty<string>(), shell: $"DOCKER_HOST={TestBed.DockerHost} docker exec {redis.Name} sh -c 'ls -a /data | grep opsrunbook-restore || true'").Output.Trim();

        [Fact]
        public async Task A_snapshot_that_cannot_be_put_into_the_container_fails_before_the_server_is_stopped()
        {
            // /data cannot be written: staging the snapshot fails, and the server runs on with its data.
            var rdb = await SnapshotAsync(1_000, "small.rdb");
            await using var redis = await RedisContainer.StartAsync(readOnlyData: true);
            RedisCli.Run(redis.Port, 0, "SET", "live", "kept");
            var started = TestContainers.Inspect(redis.Name, "{{.State.StartedAt}}");

            var ex = await Assert.ThrowsAnyAsync<Exception>(() =>
                new RedisSnapshotRestorer(Docker).RestoreAsync(Target(redis.Uri, redis.Name), rdb, TimeSpan.FromSeconds(30), new RecordingReporter(), CancellationToken.None));

            Assert.IsType<OpsRunbookException>(ex);
            Assert.Equal(started, TestContainers.Inspect(redis.Name, "{{.State.StartedAt}}")); // never stopped
            Assert.Equal("kept", RedisCli.Run(redis.Port, 0, "GET", "live").Trim());
            Assert.Equal(string.Empty, Staged(redis));
        }

        [Fact]
        public async Task A_container_a_killed_restore_left_stopped_is_started_by_the_next_restore_and_its_staged_file_removed()
        {
            await using var redis = await RedisContainer.StartAsync();
            RedisCli.Run(redis.Port, 0, "EVAL", "for i=1,20 do redis.call('SET', 'kept:' .. i, 'v') end", "0");
            var rdb = Path.Combine(_folder, "cache.rdb");
            using (var session = await RedisSession.OpenAsync(RedisConnectionInfo.Parse(redis.Uri, null, Env.None), TimeSpan.FromSeconds(10), OperationReporter.None, CancellationToken.None))
            {
                await new RedisBackupMaker(session, Docker).BackupAsync(new RedisBackupRequest(rdb, redis.Name, TestBed.DockerHost, TimeSpan.FromSeconds(30), ContainerIfNotLocal: true),
                    OperationReporter.None, CancellationToken.None);
            }

            // What a kill between stop and start leaves: its staged file, the container stopped, its record no process holds.
            Witness.Run("bash", Array.Empty<string>(), shell: $"DOCKER_HOST={TestBed.DockerHost} docker exec {redis.Name} touch /data/.opsrunbook-restore-0123abcd.rdb");
            RedisRestoreMark.Begin(new RedisRestoreRecord { Kind = "container", Target = "cache", Container = redis.Name, DockerHost = TestBed.DockerHost }).Release();
            Witness.Run("bash", Array.Empty<string>(), shell: $"DOCKER_HOST={TestBed.DockerHost} docker stop -t 5 {redis.Name}");
            Assert.Equal("exited", TestContainers.Inspect(redis.Name, "{{.State.Status}}"));
            var reporter = new RecordingReporter();

            var outcome = await new RedisSnapshotRestorer(Docker).RestoreAsync(Target(redis.Uri, redis.Name), rdb, TimeSpan.FromSeconds(30), reporter, CancellationToken.None);

            Assert.Equal(20, outcome.Keys);
            Assert.Equal("running", TestContainers.Inspect(redis.Name, "{{.State.Status}}"));
            Assert.Contains(reporter.Warnings, w => w.Contains($"Started the container {redis.Name}", StringComparison.Ordinal));
            Assert.Contains(reporter.Warnings, w => w.Contains(".opsrunbook-restore-0123abcd.rdb", StringComparison.Ordinal));
            Assert.Equal(string.Empty, Staged(redis)); // neither the dead one's nor this one's staged file is left
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_server_left_replicating_a_dead_temporary_server_is_a_primary_again_after_the_next_redis_command(bool masterAuthSet)
        {
            using var target = RedisServerProcess.Start();
            target.Cli("SET", "own", "x");
            var source = RedisServerProcess.Start();
            source.Populate(30, "snap");
            // The killed restore had told the target to replicate its temporary server, and (with none of its own) set its masterauth.
            if (masterAuthSet)
            {
                target.Cli("CONFIG", "SET", "masterauth", TestBed.Password);
            }

            target.Cli("REPLICAOF", "127.0.0.1", source.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await TestDb.WaitUntilAsync(() => Task.FromResult(target.DbSize() == 30), "the target loading the snapshot");
            RedisRestoreMark.Begin(new RedisRestoreRecord
            {
                Kind = "replica", Target = "cache", Endpoint = target.Endpoint, SourceHost = "127.0.0.1", SourcePort = source.Port, MasterAuthSet = masterAuthSet,
            }).Release();
            source.Dispose(); // the temporary server died with its restore
            Assert.Contains("role:slave", target.Cli("INFO", "replication"), StringComparison.Ordinal);
            var reporter = new RecordingReporter();

            // Any Redis command: here, what Get-RedisInfo does.
            using (var session = await RedisSession.OpenAsync(target.Connection, TimeSpan.FromSeconds(10), reporter, CancellationToken.None))
            {
            }

            Assert.Contains("role:master", target.Cli("INFO", "replication"), StringComparison.Ordinal);
            target.Cli("SET", "writable", "again");
            Assert.Equal(masterAuthSet ? string.Empty : TestBed.Password, target.Cli("CONFIG", "GET", "masterauth").Split('\n')[1].Trim());
            Assert.Contains(reporter.Warnings, w => w.Contains("is a primary again", StringComparison.Ordinal));
            SecretAssert.Absent(string.Join("\n", reporter.Warnings));
        }

        [Fact]
        public async Task The_temporary_server_asks_for_a_password_keeps_its_files_private_and_ends_with_the_restore()
        {
            // A target with no masterauth: the temporary server gets a random password, given to the target for the load only.
            using var target = RedisServerProcess.Start(extra: new[] { "masterauth \"\"" });
            var rdb = await SnapshotAsync(200_000, "large.rdb");
            string? seen = null;
            using var stop = new CancellationTokenSource();
            var watcher = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested && seen is null)
                {
                    foreach (var (pid, folder) in TemporaryServers())
                    {
                        var config = Path.Combine(folder, "redis.conf");
                        var port = File.ReadLines(config).First(l => l.StartsWith("port ", StringComparison.Ordinal))[5..];
                        seen = string.Join(" | ",
                            Witness.Run("stat", new[] { "-c", "%a", config }).Output.Trim(),
                            Witness.Run("stat", new[] { "-c", "%a", folder }).Output.Trim(),
                            Witness.Run("redis-cli", new[] { "-p", port, "PING" }).Output.Trim(),
                            Witness.Run("redis-cli", new[] { "-p", port, "--user", "default", "--pass", "wrong", "--no-auth-warning", "PING" }).Output.Trim().Split(' ')[0]);
                    }

                    await Task.Delay(20);
                }
            });

            var outcome = await new RedisSnapshotRestorer(Environment.GetEnvironmentVariable).RestoreAsync(Target(target.Uri, null), rdb, TimeSpan.FromSeconds(60),
                new RecordingReporter(), CancellationToken.None);
            stop.Cancel();
            await watcher;

            Assert.Equal(200_000, outcome.Keys);
            Assert.Equal("600 | 700 | NOAUTH Authentication required. | NOAUTH", seen); // nor with a guessed password
            Assert.Equal(string.Empty, target.Cli("CONFIG", "GET", "masterauth").Split('\n')[1].Trim());
            Assert.Contains("role:master", target.Cli("INFO", "replication"), StringComparison.Ordinal);
            Assert.Empty(TemporaryServers());
            Assert.Empty(Directory.EnumerateDirectories(Path.GetTempPath(), ".opsrunbook-redis-restore-*"));
        }
    }
}
