using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using Xunit;

namespace OpsRunbook.Tests.Containers
{
    public sealed class ContainerLifecycleTests : IAsyncLifetime
    {
        private readonly TestContainers _containers = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public Task DisposeAsync() => _containers.DisposeAsync().AsTask();

        [Fact]
        public async Task A_graceful_container_stops_on_SIGTERM_without_being_killed()
        {
            var name = await _containers.CreateAsync("graceful", TestContainers.GracefulLoop);
            using var docker = _containers.Connect();
            var reporter = new RecordingReporter();

            var outcome = await new ContainerLifecycle(docker).StopAsync(name, TimeSpan.FromSeconds(10), reporter, CancellationToken.None);

            Assert.True(outcome.Changed);
            Assert.False(outcome.Killed);
            Assert.True(outcome.Duration < TimeSpan.FromSeconds(5), $"took {outcome.Duration}");
            Assert.Equal("exited", TestContainers.Inspect(name, "{{.State.Status}}"));
            Assert.Equal("0", TestContainers.Inspect(name, "{{.State.ExitCode}}"));
            Assert.Empty(reporter.Warnings);
        }

        [Fact]
        public async Task A_container_that_ignores_SIGTERM_is_killed_after_the_grace_time_and_reported()
        {
            // sleep as PID 1 ignores SIGTERM: the kernel gives PID 1 no default signal handling.
            var name = await _containers.CreateAsync("stubborn", "exec sleep 1000");
            using var docker = _containers.Connect();
            var reporter = new RecordingReporter();
            var clock = Stopwatch.StartNew();

            var outcome = await new ContainerLifecycle(docker).StopAsync(name, TimeSpan.FromSeconds(1), reporter, CancellationToken.None);

            Assert.True(outcome.Killed);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1) && clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            Assert.Equal("137", TestContainers.Inspect(name, "{{.State.ExitCode}}"));
            Assert.Contains(reporter.Warnings, w => w.Contains("did not stop within 1 s") && w.Contains("killed"));
        }

        [Fact]
        public async Task Stopping_a_stopped_container_and_starting_a_running_one_change_nothing()
        {
            var stopped = await _containers.CreateAsync("idle", TestContainers.GracefulLoop, start: false);
            var running = await _containers.CreateAsync("busy", TestContainers.GracefulLoop);
            using var docker = _containers.Connect();
            var lifecycle = new ContainerLifecycle(docker);

            var stop = await lifecycle.StopAsync(stopped, TimeSpan.FromSeconds(5), new RecordingReporter(), CancellationToken.None);
            var start = await lifecycle.StartAsync(running, new RecordingReporter(), CancellationToken.None);

            Assert.False(stop.Changed);
            Assert.False(start.Changed);
            Assert.Equal("created", TestContainers.Inspect(stopped, "{{.State.Status}}"));
        }

        [Fact]
        public async Task Start_and_restart_leave_the_container_running_with_a_new_start_time()
        {
            var name = await _containers.CreateAsync("web", TestContainers.GracefulLoop, start: false);
            using var docker = _containers.Connect();
            var lifecycle = new ContainerLifecycle(docker);

            var started = await lifecycle.StartAsync(name, new RecordingReporter(), CancellationToken.None);
            var firstStart = TestContainers.Inspect(name, "{{.State.StartedAt}}");
            var restarted = await lifecycle.RestartAsync(name, TimeSpan.FromSeconds(5), new RecordingReporter(), CancellationToken.None);

            Assert.True(started.Changed);
            Assert.Equal(ContainerState.Running, started.Container.State);
            Assert.Equal(ContainerState.Running, restarted.Container.State);
            Assert.False(restarted.Killed);
            Assert.Equal("running", TestContainers.Inspect(name, "{{.State.Status}}"));
            Assert.NotEqual(firstStart, TestContainers.Inspect(name, "{{.State.StartedAt}}"));
        }

        [Fact]
        public async Task A_missing_container_is_ContainerNotFound()
        {
            using var docker = _containers.Connect();

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                new ContainerLifecycle(docker).StartAsync(_containers.Prefix + "-ghost", new RecordingReporter(), CancellationToken.None));

            Assert.Equal("ContainerNotFound", ex.ErrorId);
            Assert.Equal(_containers.Prefix + "-ghost", ex.TargetObject);
        }
    }
}
