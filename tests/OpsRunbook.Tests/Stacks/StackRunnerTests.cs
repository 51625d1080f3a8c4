using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Stacks;
using OpsRunbook.Tests.Containers;
using Xunit;

namespace OpsRunbook.Tests.Stacks
{
    public sealed class StackRunnerTests : IAsyncLifetime
    {
        private readonly TestContainers _containers = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public Task DisposeAsync() => _containers.DisposeAsync().AsTask();

        private static StackRunner Runner(DockerConnection docker) => new(docker, new HealthChecker(TimeSpan.FromSeconds(5), 8));

        private async Task<StackPlan> Plan(DockerConnection docker, IReadOnlyCollection<string>? only = null, bool withDependencies = true)
        {
            var containers = await new ContainerCatalog(docker).FindAsync(new ContainerQuery(_containers.Prefix, Array.Empty<string>(), Array.Empty<string>(), true), CancellationToken.None);
            return StackPlan.Create(_containers.Prefix, StackPlan.FromCompose(containers), only ?? Array.Empty<string>(), withDependencies);
        }

        private static async Task<List<StackStep>> Collect(IAsyncEnumerable<StackStep> steps)
        {
            var list = new List<StackStep>();
            await foreach (var step in steps)
            {
                list.Add(step);
            }

            return list;
        }

        private static DateTimeOffset StartedAt(string container) => DateTimeOffset.Parse(TestContainers.Inspect(container, "{{.State.StartedAt}}"));

        private static DateTimeOffset FinishedAt(string container) => DateTimeOffset.Parse(TestContainers.Inspect(container, "{{.State.FinishedAt}}"));

        [Fact]
        public async Task Starts_dependencies_first_and_each_only_once_what_it_needs_is_healthy()
        {
            var project = _containers.Prefix;
            // The database turns healthy only after about a second and a half, as a real one would.
            var db = await _containers.CreateAsync("db", "trap 'exit 0' TERM; sleep 1.5; touch /tmp/ready; while true; do sleep 0.1; done", project, "db", healthCommand: "test -f /tmp/ready", start: false);
            var cache = await _containers.CreateAsync("cache", TestContainers.GracefulLoop, project, "cache", start: false);
            var api = await _containers.CreateAsync("api", TestContainers.GracefulLoop, project, "api", dependsOn: "db:service_healthy:false,cache:service_started:false", start: false);
            using var docker = _containers.Connect();

            var steps = await Collect(Runner(docker).StartAsync(await Plan(docker), TimeSpan.FromSeconds(30), new RecordingReporter(), CancellationToken.None));

            Assert.All(steps, s => Assert.NotEqual(StackStepResult.Failed, s.Result));
            Assert.Equal(new[] { "api" }, steps.Skip(4).Select(s => s.Service).Distinct());
            Assert.Contains(steps, s => s.Service == "db" && s.Action == StackAction.Wait && s.Detail!.Contains("health check passing"));
            // The witness: the API started after the database was healthy, so at least 1.5 s after it.
            Assert.True(StartedAt(api) - StartedAt(db) >= TimeSpan.FromSeconds(1.4), $"db {StartedAt(db):O}, api {StartedAt(api):O}");
            Assert.Equal("running", TestContainers.Inspect(cache, "{{.State.Status}}"));
        }

        [Fact]
        public async Task Stops_the_entry_service_first_and_the_rest_in_reverse_order()
        {
            var project = _containers.Prefix;
            var db = await _containers.CreateAsync("db", TestContainers.GracefulLoop, project, "db");
            var api = await _containers.CreateAsync("api", TestContainers.GracefulLoop, project, "api", dependsOn: "db:service_started:false");
            using var docker = _containers.Connect();

            var steps = await Collect(Runner(docker).StopAsync(await Plan(docker), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), new RecordingReporter(), CancellationToken.None));

            Assert.Equal(new[] { "api", "db" }, steps.Select(s => s.Service));
            Assert.All(steps, s => Assert.Equal(StackStepResult.Done, s.Result));
            Assert.True(FinishedAt(api) <= FinishedAt(db));
            Assert.Equal("exited", TestContainers.Inspect(db, "{{.State.Status}}"));
        }

        [Fact]
        public async Task A_service_that_never_gets_ready_fails_fast_and_what_needs_it_is_not_started()
        {
            var project = _containers.Prefix;
            await _containers.CreateAsync("db", "echo 'FATAL: data directory is corrupt' >&2; exit 3", project, "db", start: false);
            var api = await _containers.CreateAsync("api", TestContainers.GracefulLoop, project, "api", dependsOn: "db:service_healthy:false", start: false);
            using var docker = _containers.Connect();
            var steps = new List<StackStep>();
            var clock = System.Diagnostics.Stopwatch.StartNew();

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(async () =>
            {
                await foreach (var step in Runner(docker).StartAsync(await Plan(docker), TimeSpan.FromSeconds(60), new RecordingReporter(), CancellationToken.None))
                {
                    steps.Add(step);
                }
            });

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}: it should not wait for the timeout");
            Assert.Equal("ServiceNotHealthy", ex.ErrorId);
            Assert.Contains("db did not become ready", ex.Message);
            Assert.Contains("exited with code 3", ex.Message);
            Assert.Contains("Not started: api", ex.Message);
            Assert.Contains(steps, s => s.Service == "db" && s.Result == StackStepResult.Failed);
            Assert.DoesNotContain(steps, s => s.Service == "api");
            Assert.Equal("created", TestContainers.Inspect(api, "{{.State.Status}}"));
        }

        [Fact]
        public async Task A_service_that_stays_unready_fails_at_the_timeout_with_the_reason()
        {
            var project = _containers.Prefix;
            await _containers.CreateAsync("db", TestContainers.GracefulLoop, project, "db", healthCommand: "echo 'connection refused'; exit 1", start: false);
            using var docker = _containers.Connect();

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(async () =>
            {
                await foreach (var _ in Runner(docker).StartAsync(await Plan(docker), TimeSpan.FromSeconds(15), new RecordingReporter(), CancellationToken.None))
                {
                }
            });

            Assert.Equal("ServiceNotHealthy", ex.ErrorId);
            Assert.Contains("health check fails: connection refused", ex.Message);
        }

        [Fact]
        public async Task A_service_without_a_container_is_waited_for_through_its_probe()
        {
            using var docker = _containers.Connect();
            var probe = ProbeTarget.Create(new ProbeDefinition(TestBed.HttpUrl + "/health") { Name = "external" }, _ => null);
            var plan = StackPlan.Create("x", new[] { new StackService("external", Array.Empty<string>(), Array.Empty<string>(), probe) }, Array.Empty<string>(), true);

            var steps = await Collect(Runner(docker).StartAsync(plan, TimeSpan.FromSeconds(10), new RecordingReporter(), CancellationToken.None));

            var wait = Assert.Single(steps);
            Assert.Equal(StackAction.Wait, wait.Action);
            Assert.Equal(StackStepResult.Done, wait.Result);
            Assert.Null(wait.Container);
            Assert.True(wait.Duration < TimeSpan.FromSeconds(5));
        }

        [Fact]
        public async Task Starting_one_service_takes_its_dependencies_along()
        {
            var project = _containers.Prefix;
            var db = await _containers.CreateAsync("db", TestContainers.GracefulLoop, project, "db", start: false);
            await _containers.CreateAsync("api", TestContainers.GracefulLoop, project, "api", dependsOn: "db:service_started:false", start: false);
            var other = await _containers.CreateAsync("other", TestContainers.GracefulLoop, project, "other", start: false);
            using var docker = _containers.Connect();

            var steps = await Collect(Runner(docker).StartAsync(await Plan(docker, new[] { "api" }), TimeSpan.FromSeconds(30), new RecordingReporter(), CancellationToken.None));

            Assert.Equal(new[] { "db", "api" }, steps.Select(s => s.Service).Distinct());
            Assert.Equal("running", TestContainers.Inspect(db, "{{.State.Status}}"));
            Assert.Equal("created", TestContainers.Inspect(other, "{{.State.Status}}"));
        }
    }
}
