using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Rollback;
using OpsRunbook.Tests.Containers;
using OpsRunbook.Tests.Database;
using Xunit;

namespace OpsRunbook.Tests.Rollback
{
    /// <summary>New-RollbackPoint's engine against the fixture's real stack; sha256sum, pg_restore, stat and docker inspect are the witnesses.</summary>
    public sealed class RollbackPointWriterTests : IClassFixture<RollbackFixture>
    {
        private readonly RollbackFixture _stack;

        public RollbackPointWriterTests(RollbackFixture stack)
        {
            _stack = stack;
        }

        private string NewRoot(string label) => Path.Combine(_stack.Folder, $"{label}-{Guid.NewGuid().ToString("N")[..8]}");

        [Fact]
        public void A_point_holds_every_component_and_sha256sum_accepts_its_checksums()
        {
            var point = _stack.Point;

            Assert.Equal(RollbackPointVerification.Valid, point.Verification);
            Assert.Equal("before 1.4.2", point.Name);
            Assert.Equal("shop", point.Stack);
            Assert.Equal(new[] { RollbackComponent.Database, RollbackComponent.Redis, RollbackComponent.Config, RollbackComponent.Image }, point.Components);
            Assert.Equal(new[] { "Config .env", "Config docker-compose.yml", "Database postgres", "Image api", "Image redis", "Redis redis" },
                point.Items.Select(i => $"{i.Component} {i.Service}").Order(StringComparer.Ordinal));
            // Renamed into place: nothing else in the folder, no .partial left.
            Assert.Equal(new[] { point.Timestamp }, Directory.GetFileSystemEntries(_stack.Root).Select(Path.GetFileName));

            var (exitCode, output) = RollbackFixture.Sha256SumCheck(point.Path);
            Assert.True(exitCode == 0, output);
            var files = Directory.GetFiles(point.Path, "*", SearchOption.AllDirectories).Select(f => RollbackPointFolder.Relative(point.Path, f)).ToList();
            // Every file but SHA256SUMS itself is checked, the manifest among them.
            Assert.Equal(files.Where(f => f != RollbackManifest.ChecksumsFileName).Order(StringComparer.Ordinal),
                output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..l.LastIndexOf(": OK", StringComparison.Ordinal)]).Order(StringComparer.Ordinal));
            Assert.Contains(RollbackManifest.FileName, output);
            Assert.Equal(point.SizeBytes, files.Where(f => f is not (RollbackManifest.FileName or RollbackManifest.ChecksumsFileName)).Sum(f => new FileInfo(Path.Combine(point.Path, f)).Length));
        }

        [Fact]
        public void Each_item_is_what_an_operator_restores_from()
        {
            var point = _stack.Point;

            var dump = Path.Combine(point.Path, _stack.ItemFile(RollbackComponent.Database));
            var listing = Witness.Run(Path.Combine(TestBed.PostgresBin, "pg_restore"), new[] { "-l", dump });
            Assert.True(listing.ExitCode == 0, listing.Output);
            Assert.Contains("TABLE DATA public accounts", listing.Output);

            var rdb = File.ReadAllBytes(Path.Combine(point.Path, _stack.ItemFile(RollbackComponent.Redis)));
            Assert.Equal("REDIS", Encoding.ASCII.GetString(rdb, 0, 5));
            Assert.Contains($"cache:{RollbackFixture.Keys}", Encoding.ASCII.GetString(rdb));

            // The configuration files byte for byte, private in the point, with their own modes in the manifest.
            var env = Path.Combine(point.Path, _stack.ItemFile(RollbackComponent.Config, ".env"));
            Assert.Equal(File.ReadAllBytes(_stack.EnvFile), File.ReadAllBytes(env));
            Assert.Equal("600", Witness.Run("stat", new[] { "-c", "%a", env }).Output.Trim());
            var compose = Path.Combine(point.Path, _stack.ItemFile(RollbackComponent.Config, "docker-compose.yml"));
            Assert.Equal(File.ReadAllBytes(_stack.ComposeFile), File.ReadAllBytes(compose));
            Assert.Equal("600", Witness.Run("stat", new[] { "-c", "%a", compose }).Output.Trim());
            Assert.Equal(Witness.Run("stat", new[] { "-c", "%a", _stack.ComposeFile }).Output.Trim(),
                RollbackManifest.Read(point.Path)!.Items.Single(i => i.Component == RollbackComponent.Config && i.Service == "docker-compose.yml").Mode);

            var api = ContainerSettings.FromJson(File.ReadAllText(Path.Combine(point.Path, _stack.ItemFile(RollbackComponent.Image, "api"))));
            Assert.Equal(_stack.Api, api.Name);
            Assert.Equal(TestContainers.Inspect(_stack.Api, "{{.Image}}"), api.ImageId);
            Assert.Equal(new[] { "API_TOKEN", "DB_PASSWORD" }, api.SecretVariables.Order(StringComparer.Ordinal));
            var redis = ContainerSettings.FromJson(File.ReadAllText(Path.Combine(point.Path, _stack.ItemFile(RollbackComponent.Image, "redis"))));
            Assert.Equal(_stack.Redis.Name, redis.Name);
        }

        [Fact]
        public void No_file_of_the_point_holds_the_password()
        {
            // The api container has it in its environment, the Redis server in its config, the database in the inventory's variable.
            foreach (var file in Directory.GetFiles(_stack.Point.Path, "*", SearchOption.AllDirectories))
            {
                SecretAssert.Absent(Encoding.Latin1.GetString(File.ReadAllBytes(file)));
            }
        }

        [Fact]
        public async Task A_configuration_file_that_is_missing_fails_before_anything_is_written()
        {
            var root = NewRoot("missing");
            var missing = Path.Combine(_stack.Folder, "config", "gone.env");
            var stack = _stack.Stack(configurationFiles: new[] { "./config/docker-compose.yml", "./config/gone.env" });

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => RollbackFixture.WriteAsync(stack, root));

            Assert.Equal("ConfigFileNotFound", ex.ErrorId);
            Assert.Equal(missing, ex.TargetObject);
            SecretAssert.Absent(ex);
            Assert.False(Directory.Exists(root), "the points' folder was created for a point that could not be taken");
        }

        [Fact]
        public async Task A_point_cancelled_while_the_database_is_dumped_leaves_no_point_and_no_partial_folder()
        {
            // A database big enough that pg_dump runs for a while, beside the fixture's Redis and containers.
            var big = TestDb.Unique("rbbig");
            await Psql.QueryAsync($"CREATE DATABASE {big} OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            try
            {
                await Psql.QueryAsync("CREATE TABLE events AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) AS payload FROM generate_series(1, 400000) g",
                    database: big);
                var root = NewRoot("cancelled");
                using var cancel = new CancellationTokenSource();
                var write = RollbackFixture.WriteAsync(_stack.Stack(database: big), root, cancellationToken: cancel.Token);
                var clock = Stopwatch.StartNew();
                while (!Witness.PgDumpRunsFor(big) && !write.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(20))
                {
                    await Task.Delay(20);
                }

                Assert.True(Witness.PgDumpRunsFor(big), $"pg_dump of {big} was never seen running (the write {(write.IsCompleted ? "had finished" : "was still running")})");
                Assert.Single(Directory.GetDirectories(root), d => Path.GetFileName(d).EndsWith(".partial", StringComparison.Ordinal));
                cancel.Cancel();

                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
                Assert.Empty(Directory.GetFileSystemEntries(root));
                Assert.False(Witness.PgDumpRunsFor(big), "pg_dump is still running");
                var ex = Assert.Throws<OpsRunbookException>(() => RollbackPointCatalog.List(root));
                Assert.Equal("NotARollbackFolder", ex.ErrorId);
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {big} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }
    }
}
