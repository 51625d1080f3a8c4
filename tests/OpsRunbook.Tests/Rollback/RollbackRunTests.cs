using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Rollback;
using OpsRunbook.Tests.Containers;
using OpsRunbook.Tests.Database;
using OpsRunbook.Tests.Redis;
using Xunit;

namespace OpsRunbook.Tests.Rollback
{
    /// <summary>
    /// Invoke-Rollback's engine end to end on the fixture's real stack: after rows, keys, a config file and the
    /// application's image changed, the stack goes back to its restore point. psql, redis-cli, sha256sum, stat and
    /// the Engine API are the witnesses.
    /// </summary>
    public sealed class RollbackRunTests : IClassFixture<RollbackFixture>
    {
        private readonly RollbackFixture _stack;

        public RollbackRunTests(RollbackFixture stack)
        {
            _stack = stack;
        }

        private static async Task<List<RollbackStep>> RunAsync(RollbackRequest request, RecordingReporter reporter)
        {
            var steps = new List<RollbackStep>();
            await RollbackFixture.RollBackAsync(request, steps, reporter);
            return steps;
        }

        private Task<long> AccountsAsync() => Witness.CountAsync("accounts", _stack.Database);

        [Fact]
        public async Task A_changed_stack_goes_back_to_its_point_with_a_safety_point_of_the_change()
        {
            var point = _stack.Point;
            var recorded = TestContainers.Inspect(_stack.Api, "{{.Image}}");
            // The deployment after the point: rows deleted, the cache replaced, the .env rewritten and opened up, the api on release 2.
            await Psql.QueryAsync("DELETE FROM accounts WHERE id > 100", TestDb.Superuser, _stack.Database);
            RedisCli.Run(_stack.Redis.Port, 0, "FLUSHALL");
            RedisCli.Run(_stack.Redis.Port, 0, "SET", "release-2-only", "x");
            await File.WriteAllTextAsync(_stack.EnvFile, "APP_RELEASE=v2\n");
            Assert.Equal(0, Witness.Run("chmod", new[] { "644", _stack.EnvFile }).ExitCode);
            var release2 = await _stack.Containers.CommitAsync(_stack.Api, "api", "v2");
            await _stack.Containers.Client.Containers.RemoveContainerAsync(_stack.Api, new ContainerRemoveParameters { Force = true });
            await _stack.Containers.CreateAsync("api", TestContainers.GracefulLoop, environment: ContainerSettingsTests.ServiceEnvironment("v2"), image: release2);
            Assert.Equal(100, await AccountsAsync());
            var reporter = new RecordingReporter();

            var steps = await RunAsync(_stack.RollbackRequest(), reporter);

            Assert.All(steps, s => Assert.True(s.Result is RollbackStepResult.Done or RollbackStepResult.Unchanged, $"{s}: {s.Detail}"));
            Assert.Equal(RollbackStepResult.Unchanged, steps.Single(s => s.Service == "docker-compose.yml").Result);
            Assert.Equal(RollbackStepResult.Done, steps.Single(s => s.Component == RollbackComponent.Image && s.Service == "api").Result);
            Assert.Equal(RollbackFixture.Accounts, await AccountsAsync());
            Assert.Equal(RollbackFixture.Keys.ToString(System.Globalization.CultureInfo.InvariantCulture), RedisCli.Run(_stack.Redis.Port, 0, "DBSIZE").Trim());
            Assert.Equal("0", RedisCli.Run(_stack.Redis.Port, 0, "EXISTS", "release-2-only").Trim());
            var envCopy = Path.Combine(point.Path, _stack.ItemFile(RollbackComponent.Config, ".env"));
            Assert.Equal(Witness.Run("sha256sum", new[] { envCopy }).Output.Split(' ')[0], Witness.Run("sha256sum", new[] { _stack.EnvFile }).Output.Split(' ')[0]);
            Assert.Equal("600", Witness.Run("stat", new[] { "-c", "%a", _stack.EnvFile }).Output.Trim());
            var api = await _stack.Containers.Client.Containers.InspectContainerAsync(_stack.Api);
            Assert.Equal(recorded, api.Image);
            Assert.True(api.State.Running, $"{_stack.Api} is {api.State.Status} after the start");
            Assert.True(api.Config.Env.Contains("APP_MODE=production") && api.Config.Env.Contains($"API_TOKEN={TestBed.Password}"),
                "the api is not back on its recorded environment with the secret of the container it replaced");

            // The safety point holds the state the rollback replaced, and the journal is gone.
            Assert.False(File.Exists(Path.Combine(_stack.Root, RollbackJournal.FileName)), "the rollback left its journal behind");
            var safety = RollbackPointCatalog.List(_stack.Root).Single(p => p.SafetyFor == point.Timestamp);
            Assert.Equal(0, RollbackFixture.Sha256SumCheck(safety.Path).ExitCode);
            Assert.Equal("APP_RELEASE=v2\n", File.ReadAllText(Path.Combine(safety.Path, safety.Items.Single(i => i.Service == ".env").File)));
            Assert.Equal(release2, ContainerSettings.FromJson(
                File.ReadAllText(Path.Combine(safety.Path, safety.Items.Single(i => i.Component == RollbackComponent.Image && i.Service == "api").File))).ImageId);
            Assert.All(steps, s => SecretAssert.Absent($"{s} {s.Detail}"));
            Assert.All(reporter.Verboses.Concat(reporter.Warnings), SecretAssert.Absent);
        }

        [Fact]
        public async Task A_DR_test_on_the_same_server_restores_into_the_scratch_inventory_s_database_and_leaves_the_first_alone()
        {
            // Seed 003's DR test with a scratch inventory on the production server: it names app_dr, the point holds app.
            var dr = TestDb.Unique("dr");
            await Psql.QueryAsync($"CREATE DATABASE {dr} OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            await Psql.QueryAsync("CREATE TABLE accounts (id int); INSERT INTO accounts VALUES (-1)", database: dr);
            var firstOid = await Psql.QueryAsync($"SELECT oid FROM pg_database WHERE datname = '{_stack.Database}'", TestDb.Superuser, "postgres");
            var rows = await AccountsAsync();
            await using var session = await TestDb.OpenAsync("OpsRunbook.Tests DR witness");
            await session.ChangeDatabaseAsync(_stack.Database);
            var root = Path.Combine(_stack.Folder, "dr-" + Guid.NewGuid().ToString("N")[..8]);
            var request = new RollbackRequest(_stack.Point, _stack.Stack(database: dr, redis: null, api: null, configuration: false, postgresUser: TestDb.Superuser), root,
                new[] { RollbackComponent.Database }, 2, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2));
            try
            {
                var plan = new RollbackRunner(RollbackFixture.Environment).Plan(request);
                Assert.Contains(plan, s => s.Phase == RollbackPhase.Data && s.Detail.StartsWith(dr + " from ", StringComparison.Ordinal));

                var steps = await RunAsync(request, new RecordingReporter());

                Assert.All(steps, s => Assert.True(s.Result is RollbackStepResult.Done or RollbackStepResult.Unchanged, $"{s}: {s.Detail}"));
                Assert.Equal(RollbackFixture.Accounts, await Witness.CountAsync("accounts", dr));
                Assert.Equal(firstOid, await Psql.QueryAsync($"SELECT oid FROM pg_database WHERE datname = '{_stack.Database}'", TestDb.Superuser, "postgres"));
                Assert.Equal(rows, await AccountsAsync());
                Assert.Equal(1, await TestDb.ScalarOnAsync(session, "SELECT 1")); // its session was never ended
                // The safety point holds what was replaced, the scratch database, and nothing of the first stack.
                var safety = RollbackPointCatalog.List(root).Single(p => p.SafetyFor == _stack.Point.Timestamp);
                var item = Assert.Single(safety.Items);
                Assert.Equal(RollbackComponent.Database, item.Component);
                Assert.Contains(dr, item.Detail);
                Assert.Contains("TABLE DATA public accounts", Witness.Run(Path.Combine(TestBed.PostgresBin, "pg_restore"), new[] { "--list", Path.Combine(safety.Path, item.File) }).Output);
            }
            finally
            {
                await Psql.QueryAsync($"DROP DATABASE IF EXISTS {dr} WITH (FORCE)", TestDb.Superuser, "postgres");
            }
        }

        [Fact]
        public async Task A_corrupt_point_is_refused_at_the_first_step_and_nothing_is_touched()
        {
            var copy = _stack.CopyPoint();
            var dump = Path.Combine(copy, _stack.ItemFile(RollbackComponent.Database));
            var bytes = await File.ReadAllBytesAsync(dump);
            bytes[bytes.Length / 3] ^= 0x40;
            await File.WriteAllBytesAsync(dump, bytes);
            var before = await AccountsAsync();
            var root = Path.GetDirectoryName(copy)!;
            // An earlier rollback into this folder was killed: its journal is there.
            var killed = new RollbackJournal { Point = "20260101_120000", Safety = "20260101_130000", StartedAt = DateTimeOffset.UtcNow.AddHours(-1), Done = { "Redis redis" } };
            killed.Save(root);
            var reporter = new RecordingReporter();

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => RunAsync(_stack.RollbackRequest(RollbackPointCatalog.Describe(copy), root), reporter));

            Assert.Equal("RollbackPointCorrupt", ex.ErrorId);
            Assert.Contains("before changing anything", ex.Message);
            Assert.Contains(_stack.ItemFile(RollbackComponent.Database), ex.Message);
            SecretAssert.Absent(ex);
            // The operator was told of the earlier one, and how to return to its safety point.
            Assert.Contains(reporter.Warnings, w => w.Contains("-Timestamp 20260101_130000 returns to it", StringComparison.Ordinal));
            // No safety point taken, and the earlier journal is left as it was (beside the lock a rollback holds while it runs).
            Assert.Equal(new[] { Path.GetFileName(copy), RollbackJournal.FileName, RollbackJournal.LockFileName }.Order(StringComparer.Ordinal),
                Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(new[] { "Redis redis" }, RollbackJournal.Read(root)!.Done);
            Assert.Equal(before, await AccountsAsync());
        }
    }
}
