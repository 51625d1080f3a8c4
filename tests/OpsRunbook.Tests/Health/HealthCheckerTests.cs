using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Health;
using Xunit;

namespace OpsRunbook.Tests.Health
{
    public class HealthCheckerTests
    {
        private static string Url(string pathAndQuery) => TestBed.HttpUrl.TrimEnd('/') + pathAndQuery;

        private static ProbeTarget Http(string pathAndQuery, string name, TimeSpan? timeout = null) =>
            ProbeTarget.Create(new ProbeDefinition(Url(pathAndQuery)) { Name = name, Timeout = timeout }, Env.None);

        private static async Task<List<(ServiceHealth Health, TimeSpan At)>> CollectAsync(HealthChecker checker, IReadOnlyList<ProbeTarget> targets,
            IOperationReporter? reporter = null, CancellationToken cancellationToken = default)
        {
            var clock = Stopwatch.StartNew();
            var arrivals = new List<(ServiceHealth, TimeSpan)>();
            await foreach (var health in checker.CheckAsync(targets, reporter ?? OperationReporter.None, cancellationToken))
            {
                arrivals.Add((health, clock.Elapsed));
                SecretAssert.Absent(health);
            }

            return arrivals;
        }

        // The first request of the process pays for connection setup and JIT; timing tests should not.
        private static Task WarmUpAsync() => Probe.CheckAsync(Url("/text"));

        [Fact]
        public async Task Results_stream_as_they_complete()
        {
            await WarmUpAsync();
            var targets = new[] { Http("/health/ready?delay=1500", "slow"), Http("/health/ready", "fast") };

            var arrivals = await CollectAsync(new HealthChecker(TimeSpan.FromSeconds(10), 4), targets);

            Assert.Equal(new[] { "fast", "slow" }, arrivals.Select(a => a.Health.Name));
            Assert.True(arrivals[0].At < TimeSpan.FromMilliseconds(1000), $"the fast result came after {arrivals[0].At}");
            Assert.True(arrivals[1].At >= TimeSpan.FromMilliseconds(1450), $"the slow result came after {arrivals[1].At}");
            Assert.True(arrivals[1].At - arrivals[0].At >= TimeSpan.FromMilliseconds(500), "the fast result waited for the slow one");
            Assert.All(arrivals, a => Assert.Equal(HealthStatus.Healthy, a.Health.Status));
            Assert.True(arrivals[1].Health.LatencyMs >= 1450);
        }

        [Theory]
        [InlineData(2, 900, 5000)]
        [InlineData(3, 600, 1500)]
        [InlineData(6, 320, 800)]
        public async Task Throttle_limit_is_honoured(int throttleLimit, int atLeastMs, int belowMs)
        {
            await WarmUpAsync();
            // 320 ms each, so that three rounds are over 900 ms even when a server timer fires a tick early.
            var targets = Enumerable.Range(1, 6).Select(i => Http($"/health/ready?delay=320&n={i}", $"svc{i}")).ToArray();

            var clock = Stopwatch.StartNew();
            var arrivals = await CollectAsync(new HealthChecker(TimeSpan.FromSeconds(10), throttleLimit), targets);
            clock.Stop();

            Assert.Equal(6, arrivals.Count);
            Assert.Equal(targets.Select(t => t.Name).OrderBy(n => n), arrivals.Select(a => a.Health.Name).OrderBy(n => n));
            Assert.All(arrivals, a => Assert.Equal(HealthStatus.Healthy, a.Health.Status));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(atLeastMs), $"6 probes of 320 ms at {throttleLimit} at a time took only {clock.Elapsed}");
            Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(belowMs), $"6 probes of 320 ms at {throttleLimit} at a time took {clock.Elapsed}");
        }

        [Fact]
        public async Task Every_hanging_target_returns_within_the_timeout()
        {
            var targets = Enumerable.Range(1, 5).Select(i => Http($"/hang?n={i}", $"hang{i}")).ToArray();

            var clock = Stopwatch.StartNew();
            var arrivals = await CollectAsync(new HealthChecker(TimeSpan.FromSeconds(1), 5), targets);
            clock.Stop();

            Assert.Equal(5, arrivals.Count);
            Assert.All(arrivals, a => Assert.Equal(HealthStatus.Unhealthy, a.Health.Status));
            Assert.All(arrivals, a => Assert.Equal("no answer within 1 s", a.Health.Error));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"5 hanging probes with a 1 s timeout took {clock.Elapsed}");
        }

        [Fact]
        public async Task Target_timeout_overrides_the_checker_timeout()
        {
            var clock = Stopwatch.StartNew();
            var health = await new HealthChecker(TimeSpan.FromSeconds(30), 1)
                .CheckOneAsync(Http("/hang", "hang", TimeSpan.FromMilliseconds(500)), CancellationToken.None);

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal("no answer within 0.5 s", health.Error);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"took {clock.Elapsed}");
        }

        [Fact]
        public async Task Slow_and_fast_mixed_with_failures_give_one_result_each()
        {
            var targets = new[]
            {
                Http("/hang", "hang"),
                Http("/health/ready", "ready"),
                Http("/status/500", "broken"),
                ProbeTarget.Create(new ProbeDefinition($"tcp://127.0.0.1:{TestBed.ClosedPort()}") { Name = "closed" }, Env.None),
            };

            var arrivals = await CollectAsync(new HealthChecker(TimeSpan.FromSeconds(1), 4), targets);

            var byName = arrivals.ToDictionary(a => a.Health.Name, a => a.Health);
            Assert.Equal(4, byName.Count);
            Assert.Equal(HealthStatus.Healthy, byName["ready"].Status);
            Assert.Equal("HTTP 500 Internal Server Error", byName["broken"].Error);
            Assert.Equal("connection refused", byName["closed"].Error);
            Assert.Equal("no answer within 1 s", byName["hang"].Error);
            Assert.Equal("hang", arrivals[^1].Health.Name);
        }

        [Fact]
        public async Task A_whole_stack_of_every_kind_is_healthy()
        {
            var definitions = new[]
            {
                new ProbeDefinition(Url("/health/ready")) { Name = "api", DependsOn = new[] { "db", "cache" }, Tags = new[] { "app" } },
                new ProbeDefinition(TestBed.PostgresUri) { Name = "db", Tags = new[] { "data" } },
                new ProbeDefinition(TestBed.RedisUri) { Name = "cache", Tags = new[] { "data" } },
                new ProbeDefinition($"tcp://{TestBed.PostgresHost}:{TestBed.PostgresPort}") { Name = "db-port" },
                new ProbeDefinition($"tls://127.0.0.1:{TestBed.TlsValidPort}") { Name = "edge", CaCertificatePath = TestBed.TlsCaPath },
            };
            var targets = definitions.Select(d => ProbeTarget.Create(d, Env.None)).ToArray();

            var arrivals = await CollectAsync(new HealthChecker(TimeSpan.FromSeconds(10), 5), targets);

            var byName = arrivals.ToDictionary(a => a.Health.Name, a => a.Health);
            Assert.Equal(new[] { "api", "cache", "db", "db-port", "edge" }, byName.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.All(byName.Values, h => Assert.True(h.Status == HealthStatus.Healthy, $"{h.Name}: {h.Status} ({h.Error})"));
            Assert.Equal(new[] { "db", "cache" }, byName["api"].DependsOn);
            Assert.Equal(new[] { "app" }, byName["api"].Tags);
            Assert.Equal(ServiceKind.Tls, byName["edge"].Kind);
            Assert.All(byName.Values, SecretAssert.Absent);
        }

        [Fact]
        public async Task Reporter_hears_each_probe_and_the_end()
        {
            var reporter = new RecordingReporter();
            var targets = new[] { Http("/health/ready", "one"), Http("/status/503", "two") };

            var arrivals = await CollectAsync(new HealthChecker(TimeSpan.FromSeconds(5), 2), targets, reporter);

            Assert.Equal(2, arrivals.Count);
            Assert.Contains(reporter.Verboses, v => v.StartsWith("Probing one (Http ", StringComparison.Ordinal));
            Assert.Contains(reporter.Verboses, v => v.StartsWith("two: Unhealthy in ", StringComparison.Ordinal) && v.EndsWith("HTTP 503 Service Unavailable", StringComparison.Ordinal));
            var progress = reporter.Progresses;
            Assert.Equal(3, progress.Count);
            Assert.All(progress, p => Assert.Equal("Probing 2 services", p.Activity));
            Assert.Equal(new[] { 50, 100, 100 }, progress.Select(p => p.PercentComplete));
            Assert.Equal("1 of 2 done", progress[0].Status);
            Assert.True(progress[^1].Completed);
            Assert.Equal(1, progress.Count(p => p.Completed));
        }

        [Fact]
        public async Task No_targets_give_no_results()
        {
            var reporter = new RecordingReporter();
            var arrivals = await CollectAsync(new HealthChecker(TimeSpan.FromSeconds(1), 1), Array.Empty<ProbeTarget>(), reporter);

            Assert.Empty(arrivals);
            Assert.True(Assert.Single(reporter.Progresses).Completed);
        }

        [Fact]
        public async Task Callers_cancellation_throws_operation_canceled()
        {
            var targets = Enumerable.Range(1, 3).Select(i => Http($"/hang?n={i}", $"hang{i}")).ToArray();
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                CollectAsync(new HealthChecker(TimeSpan.FromSeconds(30), 2), targets, cancellationToken: cancellation.Token));

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"cancelling took {clock.Elapsed}");
        }

        [Fact]
        public async Task Callers_cancellation_of_one_probe_throws_operation_canceled()
        {
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                new HealthChecker(TimeSpan.FromSeconds(30), 1).CheckOneAsync(Http("/hang", "hang"), cancellation.Token));

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"cancelling took {clock.Elapsed}");
        }

        [Fact]
        public async Task Already_cancelled_token_throws_before_probing()
        {
            using var cancellation = new CancellationTokenSource();
            cancellation.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                CollectAsync(new HealthChecker(TimeSpan.FromSeconds(5), 2), new[] { Http("/health/ready", "ready") }, cancellationToken: cancellation.Token));
        }

        [Theory]
        [InlineData(0, 1, "timeout")]
        [InlineData(-1000, 1, "timeout")]
        [InlineData(1000, 0, "throttleLimit")]
        [InlineData(1000, -5, "throttleLimit")]
        public void Constructor_refuses_bad_arguments(int timeoutMs, int throttleLimit, string parameter)
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new HealthChecker(TimeSpan.FromMilliseconds(timeoutMs), throttleLimit));
            Assert.Equal(parameter, ex.ParamName);
        }

        [Fact]
        public void Constructor_keeps_its_settings()
        {
            var checker = new HealthChecker(TimeSpan.FromSeconds(7), 3);

            Assert.Equal(TimeSpan.FromSeconds(7), checker.Timeout);
            Assert.Equal(3, checker.ThrottleLimit);
            Assert.Equal(TimeSpan.FromSeconds(5), HealthChecker.DefaultTimeout);
        }
    }
}
