using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Evidence;
using OpsRunbook.Tests.Containers;
using OpsRunbook.Tests.Database;
using Xunit;

namespace OpsRunbook.Tests.Incidents
{
    /// <summary>
    /// Evidence from the real services of the test bed, with the test password planted in what is collected: a
    /// container's log, a database session's query, the connection strings themselves. None of it may reach a file.
    /// </summary>
    [Collection("Database")]
    public sealed class EvidenceCollectorTests : IAsyncLifetime
    {
        private readonly TestContainers _containers = new();
        private readonly string _folder = Path.Combine(TestBed.Artifacts, "evidence-" + Guid.NewGuid().ToString("N")[..8]);
        private string _api = string.Empty;

        // A compose service name no other test's stack has: without an inventory, evidence takes every container of that service.
        private string ApiService => _containers.Prefix + "-api";

        public async Task InitializeAsync()
        {
            var secret = TestBed.Password;
            _api = await _containers.CreateAsync("api", $$"""
                echo '{"level":"INFO","msg":"api listening on :8000"}'
                echo '{"level":"ERROR","msg":"db connect failed","dsn":"postgres://app:{{secret}}@db:5432/app"}'
                echo 'level=warn msg="circuit_opened" dependency=market-data'
                echo 'Traceback: upstream call failed with header Authorization: Bearer {{secret}}' >&2
                trap 'exit 0' TERM; while true; do sleep 0.1; done
                """, _containers.Prefix, ApiService);
            await _containers.CreateAsync("worker", TestContainers.GracefulLoop, _containers.Prefix, "worker");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (TestContainers.DockerCli("logs", _api).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length < 3 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        public async Task DisposeAsync() => await _containers.DisposeAsync();

        private static EvidenceRequest Request(string folder, string? dockerHost, params string[] affected) => new()
        {
            Folder = folder,
            Targets = new[]
            {
                Probe.Target(TestBed.PostgresUri, name: "postgres"),
                Probe.Target(TestBed.RedisUri, name: "redis"),
                Probe.Target($"{TestBed.HttpUrl}/health/ready", name: "api-ready"),
            },
            Observed = new[] { new ServiceHealth("api", ServiceKind.Http, $"{TestBed.HttpUrl}/health/ready?status=503") { Status = HealthStatus.Unhealthy, Error = "HTTP 503", CheckedAt = DateTimeOffset.Now } },
            AffectedServices = affected,
            DockerHost = dockerHost,
            Timeout = TimeSpan.FromSeconds(10),
        };

        [Fact]
        public async Task Snapshots_health_containers_error_lines_database_activity_and_redis_info_with_every_secret_masked()
        {
            // A session of the application whose last query held the password, as a careless migration's would. It ran
            // to completion (a statement that fails would put the password in the server's own log) and stays idle.
            await using var session = await TestDb.OpenAsync("orb-evidence-app");
            await TestDb.ExecuteAsync(session, $"SELECT 1 /* ALTER ROLE app PASSWORD '{TestBed.Password}' */");

            var entries = await new EvidenceCollector(Env.None).CollectAsync(Request(_folder, TestBed.DockerHost, ApiService), new RecordingReporter(), CancellationToken.None);

            Assert.DoesNotContain(entries, e => e.Kind == IncidentEventKind.EvidenceSkipped);
            var names = entries.Select(e => e.Name).ToList();
            Assert.Equal(new[] { "01-health.json", "02-containers.json", $"03-logs-{_api}.log", "04-database-postgres.json", "05-redis-redis.txt" }, names);
            foreach (var entry in entries)
            {
                var bytes = File.ReadAllBytes(entry.Path!);
                Assert.Equal(entry.Bytes, bytes.Length);
                Assert.Equal(entry.Sha256, Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
                SecretAssert.Absent(File.ReadAllText(entry.Path!));
                Assert.Equal(_folder, entry.EvidenceFolder);
            }

            Assert.Empty(Directory.EnumerateFiles(_folder, ".*"));
            var health = File.ReadAllText(entries[0].Path!);
            Assert.Contains("\"Name\": \"api-ready\"", health, StringComparison.Ordinal);
            Assert.Contains("\"Name\": \"api\"", health, StringComparison.Ordinal);
            var containers = File.ReadAllText(entries[1].Path!);
            Assert.Contains(_api, containers, StringComparison.Ordinal);
            Assert.Contains($"{_containers.Prefix}-worker", containers, StringComparison.Ordinal);
            // stdout and stderr come through separate streams: their lines are not in a fixed order.
            var logs = File.ReadAllLines(entries[2].Path!);
            Assert.Equal(3, logs.Length);
            Assert.StartsWith("# error lines among the last 1000 lines", logs[0], StringComparison.Ordinal);
            Assert.Single(logs, l => l.Contains(" stdout ", StringComparison.Ordinal) && l.Contains("db connect failed", StringComparison.Ordinal) &&
                l.Contains("postgres://app:[REDACTED]@db", StringComparison.Ordinal));
            Assert.Single(logs, l => l.Contains(" stderr Traceback", StringComparison.Ordinal) && l.Contains("Authorization: Bearer [REDACTED]", StringComparison.Ordinal));
            Assert.DoesNotContain(logs, l => l.Contains("listening", StringComparison.Ordinal) || l.Contains("circuit_opened", StringComparison.Ordinal));
            Assert.Equal(2, entries[2].Redactions);
            var database = File.ReadAllText(entries[3].Path!);
            Assert.Contains("orb-evidence-app", database, StringComparison.Ordinal);
            Assert.Contains("PASSWORD '[REDACTED]'", database, StringComparison.Ordinal);
            Assert.Contains("\"MaxConnections\"", database, StringComparison.Ordinal);
            Assert.Contains("redis_version:", File.ReadAllText(entries[4].Path!), StringComparison.Ordinal);
        }

        [Fact]
        public async Task A_source_that_cannot_be_reached_is_recorded_as_skipped_and_the_others_are_still_taken()
        {
            var folder = _folder + "-nodocker";
            var reporter = new RecordingReporter();
            var entries = await new EvidenceCollector(Env.None).CollectAsync(Request(folder, "unix:///tmp/orb-no-such-docker.sock", "api"), reporter, CancellationToken.None);

            var skipped = Assert.Single(entries, e => e.Kind == IncidentEventKind.EvidenceSkipped);
            Assert.Equal("the Docker Engine at unix:///tmp/orb-no-such-docker.sock", skipped.Source);
            Assert.Contains("does not exist", skipped.Error, StringComparison.Ordinal);
            Assert.Equal(new[] { "01-health.json", "02-database-postgres.json", "03-redis-redis.txt" },
                entries.Where(e => e.Kind == IncidentEventKind.Evidence).Select(e => e.Name));
            Assert.Contains(reporter.Progresses, p => p.Completed);
        }

        [Fact]
        public async Task An_unreachable_database_is_skipped_within_its_budget()
        {
            var request = new EvidenceRequest
            {
                Folder = _folder + "-nodb",
                Targets = new[] { Probe.Target($"postgres://{TestBed.PostgresUser}:{Uri.EscapeDataString(TestBed.Password)}@127.0.0.1:{TestBed.ClosedPort()}/x", name: "gone") },
                DockerHost = TestBed.DockerHost,
                Timeout = TimeSpan.FromSeconds(5),
            };
            var entries = await new EvidenceCollector(Env.None).CollectAsync(request, OperationReporter.None, CancellationToken.None);

            var skipped = Assert.Single(entries, e => e.Kind == IncidentEventKind.EvidenceSkipped);
            Assert.StartsWith("database activity of postgres://", skipped.Source, StringComparison.Ordinal);
            SecretAssert.Absent(skipped.Error);
            SecretAssert.Absent(skipped.Source);
            Assert.Contains(entries, e => e.Name == "01-health.json");
        }
    }
}
