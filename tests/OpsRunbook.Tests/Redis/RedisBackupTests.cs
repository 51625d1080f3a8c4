using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Redis;
using OpsRunbook.Tests.Database;
using Xunit;

namespace OpsRunbook.Tests.Redis
{
    /// <summary>Invoke-RedisBackup's engine: real BGSAVEs, real copies, sha256sum as the witness of the sidecar.</summary>
    public sealed class RedisBackupTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "orb-backup-" + Guid.NewGuid().ToString("N")[..8]);

        public RedisBackupTests()
        {
            Directory.CreateDirectory(_folder);
        }

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private static async Task<RedisBackup> Backup(string uri, string path, string? container = null, TimeSpan? saveTimeout = null,
            CancellationToken cancellationToken = default, IOperationReporter? reporter = null, bool containerIfNotLocal = false)
        {
            using var session = await RedisSession.OpenAsync(RedisConnectionInfo.Parse(uri, null, Env.None), TimeSpan.FromSeconds(10), OperationReporter.None, cancellationToken);
            return await new RedisBackupMaker(session, name => name == "DOCKER_HOST" ? TestBed.DockerHost : null)
                .BackupAsync(new RedisBackupRequest(path, container, null, saveTimeout ?? TimeSpan.FromSeconds(60), containerIfNotLocal), reporter ?? OperationReporter.None,
                    cancellationToken);
        }

        private static string Sha256Sum(string folder, string sidecar)
        {
            var info = new ProcessStartInfo("sha256sum") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(sidecar);
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return $"{process.ExitCode}: {output.Trim()}";
        }

        private string[] Files() => Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).OrderBy(n => n).ToArray()!;

        [Fact]
        public async Task Saves_copies_checks_and_writes_a_sidecar_that_sha256sum_verifies()
        {
            var marker = "orb-backup-" + Guid.NewGuid().ToString("N")[..8];
            RedisCli.OnTestBed(0, "SET", marker, "in-the-snapshot");
            var reporter = new RecordingReporter();
            var before = DateTimeOffset.Now;
            try
            {
                var backup = await Backup(TestBed.RedisUri, Path.Combine(_folder, "cache.rdb"), reporter: reporter);

                Assert.Equal(Path.Combine(_folder, "cache.rdb"), backup.Path);
                Assert.Equal(backup.Path + ".sha256", backup.ChecksumPath);
                Assert.Equal(new[] { "cache.rdb", "cache.rdb.sha256" }, Files());
                var bytes = await File.ReadAllBytesAsync(backup.Path);
                Assert.Equal("REDIS", Encoding.ASCII.GetString(bytes, 0, 5));
                Assert.Equal(10, backup.RdbVersion);
                Assert.Equal(bytes.Length, backup.SizeBytes);
                Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), backup.Sha256);
                Assert.Equal($"{backup.Sha256}  cache.rdb\n", await File.ReadAllTextAsync(backup.ChecksumPath!));
                Assert.Equal("0: cache.rdb: OK", Sha256Sum(_folder, "cache.rdb.sha256"));
                Assert.Contains(marker, Encoding.ASCII.GetString(bytes));
                Assert.Equal($"{TestBed.RedisHost}:{TestBed.RedisPort}", backup.Server);
                Assert.EndsWith("/dump.rdb", backup.Source);
                Assert.InRange(backup.SavedAt, before.AddSeconds(-2), DateTimeOffset.Now.AddSeconds(2));
                Assert.Contains(reporter.Verboses, v => v.StartsWith("BGSAVE started", StringComparison.Ordinal));
            }
            finally
            {
                RedisCli.OnTestBed(0, "DEL", marker);
            }
        }

        [Fact]
        public async Task A_folder_gets_a_file_named_for_the_server_and_the_time()
        {
            var backup = await Backup(TestBed.RedisUri, _folder);

            var again = await Backup(TestBed.RedisUri, _folder);

            Assert.Matches($@"^redis-127\.0\.0\.1-{TestBed.RedisPort}-\d{{8}}T\d{{6}}Z\.rdb$", Path.GetFileName(backup.Path));
            Assert.Equal(Path.GetDirectoryName(backup.Path), _folder);
            Assert.StartsWith("0: ", Sha256Sum(_folder, Path.GetFileName(backup.ChecksumPath)!));
            // Within the same second the second one gets a number instead of failing.
            Assert.NotEqual(backup.Path, again.Path);
            Assert.StartsWith("0: ", Sha256Sum(_folder, Path.GetFileName(again.ChecksumPath)!));
        }

        [Fact]
        public async Task An_inventory_container_is_used_only_when_the_snapshot_is_not_here()
        {
            await using var container = await RedisContainer.StartAsync();

            var local = await Backup(TestBed.RedisUri, Path.Combine(_folder, "local.rdb"), container: "orb-no-such-container", containerIfNotLocal: true);
            var copied = await Backup(container.Uri, Path.Combine(_folder, "copied.rdb"), container: container.Name, containerIfNotLocal: true);

            Assert.EndsWith("/dump.rdb", local.Source);
            Assert.Equal($"{container.SnapshotPath} in the container {container.Name}", copied.Source);
        }

        [Fact]
        public async Task Never_overwrites_a_backup()
        {
            var path = Path.Combine(_folder, "exists.rdb");
            await File.WriteAllTextAsync(path, "an older backup");

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => Backup(TestBed.RedisUri, path));

            Assert.Equal("RedisBackupExists", ex.ErrorId);
            Assert.Equal("an older backup", await File.ReadAllTextAsync(path));
            Assert.Equal(new[] { "exists.rdb" }, Files());
        }

        [Fact]
        public async Task A_failed_save_is_an_error_and_leaves_nothing()
        {
            using var server = RedisServerProcess.Start();
            server.Populate(100, "k");
            // A folder where the snapshot's file should be: BGSAVE writes its temporary file, then cannot rename it.
            Directory.CreateDirectory(Path.Combine(server.Directory, "dump.rdb"));

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => Backup(server.Uri, Path.Combine(_folder, "failed.rdb")));

            Assert.Equal("RedisBackupSaveFailed", ex.ErrorId);
            Assert.Equal(FailureCategory.WriteError, ex.Category);
            Assert.Contains("rdb_last_bgsave_status:err", ex.Message);
            Assert.Empty(Files());
            SecretAssert.Absent(ex);
        }

        [Fact]
        public async Task Cancelled_while_the_server_saves_leaves_nothing()
        {
            using var server = RedisServerProcess.Start();
            server.Populate(200_000, "big");
            using var cancel = new CancellationTokenSource();
            var reporter = new CancelOnVerbose(cancel, "BGSAVE started");

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                Backup(server.Uri, Path.Combine(_folder, "cancelled.rdb"), cancellationToken: cancel.Token, reporter: reporter));

            Assert.Empty(Files());
        }

        [Fact]
        public async Task Cancelled_while_copying_removes_the_partial_file()
        {
            var path = Path.Combine(_folder, "copy.rdb");
            using var cancel = new CancellationTokenSource();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RdbBackupWriter.WriteAsync(path, async (stream, token) =>
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes("REDIS0010 and some of the data"), token);
                // The hidden work folder and its lock, while it is written; private from the first byte.
                Assert.Equal(new[] { ".copy.rdb.partial", ".copy.rdb.partial.lock" }, Files());
                Assert.Equal("700", Witness.Run("stat", new[] { "-c", "%a", Path.Combine(_folder, ".copy.rdb.partial") }).Output.Trim());
                Assert.Equal("600", Witness.Run("stat", new[] { "-c", "%a", Path.Combine(_folder, ".copy.rdb.partial", "rdb") }).Output.Trim());
                cancel.Cancel();
                await Task.Delay(Timeout.Infinite, token);
            }, cancel.Token));

            Assert.Empty(Files());
        }

        [Theory]
        [InlineData("", "nothing (the file is empty)")]
        [InlineData("<html>not found</html>", "'<html>not'")]
        [InlineData("REDIS00x0", "'REDIS00x0'")]
        public async Task A_file_that_is_not_an_rdb_is_refused_and_removed(string content, string shown)
        {
            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => RdbBackupWriter.WriteAsync(Path.Combine(_folder, "bad.rdb"),
                (stream, token) => stream.WriteAsync(Encoding.ASCII.GetBytes(content), token).AsTask(), CancellationToken.None));

            Assert.Equal("RedisBackupInvalidFile", ex.ErrorId);
            Assert.Contains($"it starts with {shown}", ex.Message);
            Assert.Empty(Files());
        }

        [Fact]
        public async Task Copies_the_snapshot_out_of_the_container_that_runs_the_server()
        {
            await using var container = await RedisContainer.StartAsync();
            RedisCli.Run(container.Port, null, "DEBUG", "POPULATE", "1000", "in-container");

            var notHere = await Assert.ThrowsAsync<OpsRunbookException>(() => Backup(container.Uri, Path.Combine(_folder, "missing.rdb")));
            var backup = await Backup(container.Uri, Path.Combine(_folder, "container.rdb"), container: container.Name);

            Assert.Equal("RedisBackupFileNotReachable", notHere.ErrorId);
            Assert.Contains(container.SnapshotPath, notHere.Message);
            Assert.Contains("-Container", notHere.RecommendedAction);
            Assert.Equal($"{container.SnapshotPath} in the container {container.Name}", backup.Source);
            Assert.Equal("0: container.rdb: OK", Sha256Sum(_folder, "container.rdb.sha256"));
            Assert.StartsWith(backup.Sha256 + " ", Containers.TestContainers.DockerCli("exec", container.Name, "sha256sum", container.SnapshotPath));
            Assert.Contains("in-container:999", Encoding.ASCII.GetString(await File.ReadAllBytesAsync(backup.Path)));
            Assert.Equal(new[] { "container.rdb", "container.rdb.sha256" }, Files());
        }

        /// <summary>Cancels once a verbose message starts with the given text.</summary>
        private sealed class CancelOnVerbose : IOperationReporter
        {
            private readonly CancellationTokenSource _cancel;
            private readonly string _start;

            public CancelOnVerbose(CancellationTokenSource cancel, string start)
            {
                _cancel = cancel;
                _start = start;
            }

            public bool IsVerbose => true;

            public void Verbose(string message)
            {
                if (message.StartsWith(_start, StringComparison.Ordinal))
                {
                    _cancel.Cancel();
                }
            }

            public void Warning(string message) { }

            public void Progress(OperationProgress progress) { }
        }
    }
}
