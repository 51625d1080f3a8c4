using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Health;
using Xunit;

namespace OpsRunbook.Tests.Health
{
    public class HealthWaiterTests
    {
        private static ProbeTarget Http(string pathAndQuery, string name) =>
            ProbeTarget.Create(new ProbeDefinition(TestBed.HttpUrl.TrimEnd('/') + pathAndQuery) { Name = name }, Env.None);

        private static async Task<HealthWaitResult> WaitAsync(HealthWaiter waiter, ProbeTarget[] targets, IOperationReporter? reporter = null)
        {
            var result = await waiter.WaitAsync(targets, reporter ?? OperationReporter.None, CancellationToken.None);
            Assert.All(result.Results, SecretAssert.Absent);
            SecretAssert.Absent(result.ToException());
            return result;
        }

        private static HealthWaiter Waiter(TimeSpan timeout, bool allowDegraded = false) =>
            new(new HealthChecker(TimeSpan.FromSeconds(5), 4), timeout, allowDegraded);

        [Fact]
        public async Task Service_that_becomes_healthy_is_waited_for()
        {
            var healthyAfter = DateTimeOffset.UtcNow.AddMilliseconds(1500).ToUnixTimeMilliseconds();
            var target = Http($"/health/ready?healthyAfter={healthyAfter}", "api");

            var clock = Stopwatch.StartNew();
            var result = await WaitAsync(Waiter(TimeSpan.FromSeconds(15)), new[] { target });
            clock.Stop();

            Assert.True(result.Succeeded, string.Join("; ", result.NotReady.Select(h => h.Error)));
            Assert.Empty(result.NotReady);
            Assert.Equal(HealthStatus.Healthy, Assert.Single(result.Results).Status);
            Assert.True(result.Elapsed >= TimeSpan.FromSeconds(1), $"ready after {result.Elapsed}, before the service was");
            Assert.True(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() >= healthyAfter);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"took {clock.Elapsed} for a service ready after 1.5 s");
            Assert.InRange(result.Rounds, 2, 10);
            Assert.Equal(TimeSpan.FromSeconds(15), result.Timeout);
        }

        [Fact]
        public async Task Service_that_stays_unhealthy_times_out()
        {
            var target = Http("/health/ready?status=503", "orders-api");

            var clock = Stopwatch.StartNew();
            var result = await WaitAsync(Waiter(TimeSpan.FromSeconds(2)), new[] { target });
            clock.Stop();

            Assert.False(result.Succeeded);
            var notReady = Assert.Single(result.NotReady);
            Assert.Equal("orders-api", notReady.Name);
            Assert.Equal(HealthStatus.Unhealthy, notReady.Status);
            Assert.True(result.Elapsed >= TimeSpan.FromSeconds(2), $"gave up after {result.Elapsed}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"a 2 s wait took {clock.Elapsed}");
            Assert.True(result.Rounds >= 3, $"{result.Rounds} rounds");

            var ex = result.ToException();
            Assert.Equal("ServiceNotHealthy", ex.ErrorId);
            Assert.Equal(FailureCategory.OperationTimeout, ex.Category);
            Assert.Equal("orders-api", ex.TargetObject);
            Assert.StartsWith("1 of 1 services were not ready after 2 s", ex.Message);
            Assert.Contains("orders-api is Unhealthy", ex.Message);
            Assert.Contains("HTTP 503", ex.Message);
            SecretAssert.Absent(ex);
        }

        [Fact]
        public async Task Slow_service_that_stays_unhealthy_is_reported_with_its_own_reason()
        {
            // Each answer takes 200 ms: the round at the deadline has less time than that and must not turn
            // "HTTP 503" into a timeout of its own making.
            var target = Http("/health/ready?status=503&delay=200", "slow-api");

            var result = await WaitAsync(Waiter(TimeSpan.FromSeconds(2)), new[] { target });

            Assert.False(result.Succeeded);
            var notReady = Assert.Single(result.NotReady);
            Assert.Contains("HTTP 503", notReady.Error);
            Assert.Contains("HTTP 503", result.ToException().Message);
            Assert.DoesNotContain("no answer within", result.ToException().Message);
        }

        [Fact]
        public async Task Hanging_service_is_reported_as_not_answering()
        {
            var target = Http("/hang", "stuck");

            var clock = Stopwatch.StartNew();
            var result = await WaitAsync(new HealthWaiter(new HealthChecker(TimeSpan.FromSeconds(1), 1), TimeSpan.FromSeconds(2), false), new[] { target });

            Assert.False(result.Succeeded);
            Assert.StartsWith("no answer within", Assert.Single(result.NotReady).Error);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"a 2 s wait took {clock.Elapsed}");
        }

        [Fact]
        public async Task Only_the_failing_services_are_named()
        {
            var targets = new[] { Http("/health/ready", "good"), Http("/status/500", "bad") };

            var result = await WaitAsync(Waiter(TimeSpan.FromSeconds(1)), targets);

            Assert.False(result.Succeeded);
            Assert.Equal(new[] { "good", "bad" }, result.Results.Select(r => r.Name));
            Assert.Equal("bad", Assert.Single(result.NotReady).Name);
            var ex = result.ToException();
            Assert.StartsWith("1 of 2 services were not ready after 1 s", ex.Message);
            Assert.Contains("bad is Unhealthy: HTTP 500 Internal Server Error", ex.Message);
            Assert.DoesNotContain("good", ex.Message);
        }

        [Fact]
        public async Task Degraded_is_accepted_only_when_allowed()
        {
            var target = Http("/health/ready?mode=degraded", "api");

            var allowed = await WaitAsync(Waiter(TimeSpan.FromSeconds(5), allowDegraded: true), new[] { target });
            var refused = await WaitAsync(Waiter(TimeSpan.FromSeconds(1)), new[] { target });

            Assert.True(allowed.Succeeded);
            Assert.Equal(1, allowed.Rounds);
            Assert.Equal(HealthStatus.Degraded, Assert.Single(allowed.Results).Status);
            Assert.False(refused.Succeeded);
            Assert.Equal(HealthStatus.Degraded, Assert.Single(refused.NotReady).Status);
        }

        [Fact]
        public async Task Healthy_service_succeeds_in_one_round()
        {
            var clock = Stopwatch.StartNew();
            var result = await WaitAsync(Waiter(TimeSpan.FromSeconds(10)), new[] { Http("/health/ready", "api") });

            Assert.True(result.Succeeded);
            Assert.Equal(1, result.Rounds);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        }

        [Fact]
        public async Task Reporter_receives_progress_while_waiting()
        {
            var reporter = new RecordingReporter();
            var healthyAfter = DateTimeOffset.UtcNow.AddMilliseconds(800).ToUnixTimeMilliseconds();
            var targets = new[] { Http($"/health/ready?healthyAfter={healthyAfter}", "api"), Http("/health/ready", "web") };

            var result = await WaitAsync(Waiter(TimeSpan.FromSeconds(10)), targets, reporter);

            Assert.True(result.Succeeded);
            var progress = reporter.Progresses;
            Assert.True(progress.Count >= 2, $"{progress.Count} progress records");
            Assert.All(progress, p => Assert.Equal("Waiting for 2 services to be healthy", p.Activity));
            Assert.Contains(progress, p => !p.Completed && p.Status.StartsWith("1 of 2 ready; waiting for api (Unhealthy: ", StringComparison.Ordinal));
            Assert.All(progress.Where(p => !p.Completed), p => Assert.InRange(p.PercentComplete, 0, 99));
            Assert.True(progress[^1].Completed);
            Assert.Equal(100, progress[^1].PercentComplete);
            Assert.Equal(1, progress.Count(p => p.Completed));
            Assert.StartsWith("Round 1 after ", reporter.Verboses[0]);
            Assert.Contains("1 of 2 ready; waiting for api", reporter.Verboses[0]);
            Assert.EndsWith("2 of 2 ready.", reporter.Verboses[^1]);
        }

        [Fact]
        public async Task Callers_cancellation_throws()
        {
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                Waiter(TimeSpan.FromSeconds(30)).WaitAsync(new[] { Http("/health/ready?status=503", "api") }, OperationReporter.None, cancellation.Token));
        }

        [Fact]
        public void Timeout_must_be_positive()
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new HealthWaiter(new HealthChecker(TimeSpan.FromSeconds(1), 1), TimeSpan.Zero, false));
            Assert.Equal("timeout", ex.ParamName);
        }
    }
}
