using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Database.Backup;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    /// <summary>Backups against a server of the test's own: it can be stopped, and pg_dump can run inside its container.</summary>
    public sealed class DatabaseBackupFaultTests : IClassFixture<ContainerPostgresFixture>
    {
        private readonly ContainerPostgresFixture _server;

        public DatabaseBackupFaultTests(ContainerPostgresFixture server)
        {
            _server = server;
        }

        private static string NewFolder() => Path.Combine(TestBed.Artifacts, "fault-backups-" + Guid.NewGuid().ToString("N")[..8]);

        private Task<BackupOutcome> Backup(string folder, string? container = null, CancellationToken cancellationToken = default) =>
            new DatabaseBackupWriter(BackupFixture.Connector(_server.Uri), Env.None)
                .BackupAsync(new BackupRequest(folder, null, BackupFormat.Custom, null, container, TestBed.DockerHost, null), new RecordingReporter(), cancellationToken);

        [Fact]
        public async Task Cancelling_mid_backup_kills_pg_dump_and_leaves_nothing()
        {
            var folder = NewFolder();
            using var cancel = new CancellationTokenSource();
            var backup = Backup(folder, cancellationToken: cancel.Token);
            var clock = Stopwatch.StartNew();
            while (!Witness.PgDumpRunsFor(ContainerPostgresFixture.Database) && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(50);
            }

            await Task.Delay(500);
            cancel.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backup);
            Assert.Empty(Directory.GetFiles(folder, "*", SearchOption.AllDirectories));
            Assert.False(Witness.PgDumpRunsFor(ContainerPostgresFixture.Database), "pg_dump is still running");
        }

        [Fact]
        public async Task A_server_that_stops_mid_backup_fails_it_and_leaves_nothing()
        {
            var folder = NewFolder();
            var backup = Backup(folder);
            var clock = Stopwatch.StartNew();
            while (!Witness.PgDumpRunsFor(ContainerPostgresFixture.Database) && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(50);
            }

            await Task.Delay(500);
            await _server.KillAsync();
            try
            {
                var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => backup);

                Assert.Equal("BackupFailed", ex.ErrorId);
                Assert.Contains("No backup was left behind", ex.Message);
                Assert.Empty(Directory.GetFiles(folder, "*", SearchOption.AllDirectories));
            }
            finally
            {
                await _server.StartAsync();
            }
        }

        [Fact]
        public async Task Pg_dump_runs_inside_the_container_and_streams_here()
        {
            var folder = NewFolder();

            var backup = (await Backup(folder, _server.Container)).Backup;

            Assert.Equal(BackupVerification.Valid, backup.Verification);
            Assert.Equal(1_200_000, Assert.Single(backup.Tables).Rows);
            Assert.Equal(0, Witness.Run("sha256sum", new[] { "-c", backup.Name + ".sha256" }, folder).ExitCode);
            Assert.Contains("TABLE DATA public events", Witness.Run(Path.Combine(TestBed.PostgresBin, "pg_restore"), new[] { "--list", backup.Path }).Output);
            Assert.Contains($"\"container\": \"{_server.Container}\"", File.ReadAllText(backup.Path + ".json"));
        }
    }
}
