using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Stacks;
using OpsRunbook.Engine.Rollback;
using OpsRunbook.Tests.Containers;
using OpsRunbook.Tests.Database;
using OpsRunbook.Tests.Redis;
using Xunit;

namespace OpsRunbook.Tests.Rollback
{
    /// <summary>
    /// A stack to take restore points of, on the test bed's real services: a database of its own on the bed's
    /// PostgreSQL (300 accounts), a redis-server in a container whose dir is reached only through the Engine API (200
    /// keys), an application container holding the bed's password in its environment, and two configuration files (a
    /// compose file, and an .env of mode 0600). One full restore point of it is taken once, in <see cref="Root"/>;
    /// tests that damage a point damage a copy. Everything is removed at the end.
    /// </summary>
    public sealed class RollbackFixture : IAsyncLifetime
    {
        public const string PasswordVariable = "ORB_RB_PASSWORD";
        public const int Accounts = 300;
        public const int Keys = 200;

        private RedisContainer? _redis;

        public string Folder { get; } = Path.Combine(TestBed.Artifacts, "rollback-" + Guid.NewGuid().ToString("N")[..8]);

        /// <summary>Where the fixture's point is.</summary>
        public string Root => Path.Combine(Folder, "points");

        public string Database { get; } = TestDb.Unique("rb");

        public TestContainers Containers { get; } = new();

        public string Api { get; private set; } = string.Empty;

        internal RedisContainer Redis => _redis!;

        public string ComposeFile => Path.Combine(Folder, "config", "docker-compose.yml");

        public string EnvFile => Path.Combine(Folder, "config", ".env");

        /// <summary>The environment the engine is given: the password under the inventory's PasswordVariable, nothing else.</summary>
        public static Func<string, string?> Environment { get; } = Env.Of((PasswordVariable, TestBed.Password));

        public RollbackPoint Point { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Path.Combine(Folder, "config"));
            await File.WriteAllTextAsync(ComposeFile, "services:\n  api:\n    image: busybox\n");
            await File.WriteAllTextAsync(EnvFile, "APP_RELEASE=v1\nSESSION_SECRET=not-the-bed-password\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(EnvFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            await Psql.QueryAsync($"CREATE DATABASE {Database} OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            await Psql.QueryAsync(
                $"CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric(12,2)); INSERT INTO accounts SELECT g, 'owner ' || g, g * 1.5 FROM generate_series(1, {Accounts}) g",
                database: Database);
            _redis = await RedisContainer.StartAsync();
            RedisCli.Run(Redis.Port, 0, "EVAL", $"for i=1,{Keys} do redis.call('SET', 'cache:' .. i, 'value ' .. i) end", "0");
            Api = await Containers.CreateAsync("api", TestContainers.GracefulLoop, environment: ContainerSettingsTests.ServiceEnvironment("production"));

            Point = await WriteAsync(Stack(), Root, "before 1.4.2");
        }

        public async Task DisposeAsync()
        {
            await Psql.QueryAsync($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", TestDb.Superuser, "postgres");
            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }

            await Containers.DisposeAsync();
            TestArtifacts.Remove(Folder);
        }

        /// <summary>
        /// The stack's inventory, read as the cmdlets read it. The services may be renamed, left out (null) or pointed at
        /// another database, and the configuration files left out, to make inventories that do not fit a point.
        /// </summary>
        /// <param name="postgresUser">The role the database is dumped and restored as: restoring needs the superuser (it creates, renames and drops databases).</param>
        public RollbackStack Stack(string? postgres = "postgres", string? redis = "redis", string? api = "api", bool configuration = true, string? database = null,
            string[]? configurationFiles = null, string? postgresUser = null)
        {
            var services = new[]
            {
                postgres is null ? null : new ServiceEntry(postgres, "Postgres", $"postgres://{postgresUser ?? TestBed.PostgresUser}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{database ?? Database}", PasswordVariable),
                redis is null ? null : new ServiceEntry(redis, "Redis", $"redis://127.0.0.1:{Redis.Port}", PasswordVariable, Redis.Name),
                api is null ? null : new ServiceEntry(api, "Container", Api),
                // Every inventory has a service; this one is none of the kinds rolled back.
                new ServiceEntry("web", "Http", TestBed.HttpUrl + "/text"),
            }.Where(s => s is not null);
            var json = JsonSerializer.Serialize(new
            {
                Name = "shop",
                DockerHost = TestBed.DockerHost,
                Configuration = configurationFiles ?? (configuration ? new[] { "./config/docker-compose.yml", "./config/.env" } : Array.Empty<string>()),
                Services = services,
            }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });
            var inventory = InventoryReader.ReadJson(json, Path.Combine(Folder, "shop.stack.json"), Environment);
            return RollbackStack.From(inventory, RollbackStack.DefaultConnectTimeout, Environment);
        }

        public static Task<RollbackPoint> WriteAsync(RollbackStack stack, string root, string? name = null, string? safetyFor = null, int? keepLast = null,
            CancellationToken cancellationToken = default) =>
            new RollbackPointWriter(Environment).WriteAsync(stack, root, name, safetyFor, keepLast, new RecordingReporter(), cancellationToken);

        private sealed record ServiceEntry(string Name, string Kind, string Target, string? PasswordVariable = null, string? Container = null);

        /// <summary>A rollback of the stack to a point (the fixture's by default), as Invoke-Rollback asks for it; restores run as the superuser.</summary>
        public RollbackRequest RollbackRequest(RollbackPoint? point = null, string? root = null) =>
            new(point ?? Point, Stack(postgresUser: TestDb.Superuser), root ?? Root, Array.Empty<RollbackComponent>(), 2, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2));

        /// <summary>Plans the rollback and runs it, each step added to <paramref name="steps"/> as it comes.</summary>
        public static async Task RollBackAsync(RollbackRequest request, List<RollbackStep> steps, IOperationReporter reporter, CancellationToken cancellationToken = default)
        {
            var runner = new RollbackRunner(Environment);
            await foreach (var step in runner.RunAsync(request, runner.Plan(request), reporter, cancellationToken))
            {
                steps.Add(step);
            }
        }

        /// <summary>A copy of the fixture's point in a folder of its own (root/timestamp), to damage.</summary>
        public string CopyPoint()
        {
            var target = Path.Combine(Folder, "copies-" + Guid.NewGuid().ToString("N")[..8], Point.Timestamp);
            foreach (var file in Directory.EnumerateFiles(Point.Path, "*", SearchOption.AllDirectories))
            {
                var copy = Path.Combine(target, Path.GetRelativePath(Point.Path, file));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(file, copy);
            }

            return target;
        }

        /// <summary>sha256sum -c SHA256SUMS in a point's folder, the independent witness: its exit code and output.</summary>
        public static (int ExitCode, string Output) Sha256SumCheck(string point) =>
            Witness.Run("sha256sum", new[] { "-c", RollbackManifest.ChecksumsFileName }, point);

        /// <summary>The file of the point's item of that component (and service, when there are several).</summary>
        public string ItemFile(RollbackComponent component, string? service = null) =>
            Point.Items.First(i => i.Component == component && (service is null || i.Service == service)).File;
    }
}
