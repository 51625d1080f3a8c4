using System;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Health;
using Xunit;

namespace OpsRunbook.Tests.Containers
{
    public sealed class ContainerHealthProbeTests : IAsyncLifetime
    {
        private readonly TestContainers _containers = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public Task DisposeAsync() => _containers.DisposeAsync().AsTask();

        private static Task<ServiceHealth> Probe(string container, TimeSpan? restartWindow = null) =>
            new HealthChecker(TimeSpan.FromSeconds(5), 4).CheckOneAsync(ProbeTarget.Create(new ProbeDefinition("container://" + container)
            {
                DockerHost = TestBed.DockerHost,
                RestartWindow = restartWindow ?? TimeSpan.FromMinutes(10),
            }, _ => null), CancellationToken.None);

        [Fact]
        public async Task A_running_container_is_Healthy_and_an_exited_one_Unhealthy_with_its_code()
        {
            var running = await _containers.CreateAsync("up", TestContainers.GracefulLoop);
            var exited = await _containers.CreateAsync("down", "exit 4");
            await TestContainers.WaitForStateAsync(exited, "exited", TimeSpan.FromSeconds(10));

            var up = await Probe(running);
            var down = await Probe(exited);

            Assert.Equal(HealthStatus.Healthy, up.Status);
            Assert.Equal(ServiceKind.Container, up.Kind);
            Assert.Equal("container://" + running, up.Target);
            Assert.Equal(ContainerState.Running, up.Details["State"]);
            Assert.Equal(HealthStatus.Unhealthy, down.Status);
            Assert.Equal("exited with code 4", down.Error);
        }

        [Fact]
        public async Task A_failing_health_check_is_Unhealthy_with_its_output()
        {
            var name = await _containers.CreateAsync("sick", TestContainers.GracefulLoop, healthCommand: "echo 'disk full'; exit 1");
            ServiceHealth health;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            do
            {
                await Task.Delay(300);
                health = await Probe(name);
            }
            while (health.Status != HealthStatus.Unhealthy && DateTime.UtcNow < deadline);

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal("health check failing: disk full", health.Error);
        }

        [Fact]
        public async Task A_container_that_keeps_restarting_is_Degraded()
        {
            var name = await _containers.CreateAsync("flappy", "sleep 0.3; exit 1", restartPolicy: "always");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (int.Parse(TestContainers.Inspect(name, "{{.RestartCount}}")) < 1 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            // Between its crashes it is either restarting or running after a recent restart: Degraded both ways.
            var health = await Probe(name);

            Assert.Equal(HealthStatus.Degraded, health.Status);
            Assert.Matches("restart", health.Error);
        }

        [Fact]
        public async Task A_missing_container_is_an_Unhealthy_result_naming_it()
        {
            var health = await Probe(_containers.Prefix + "-ghost");

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal($"There is no container '{_containers.Prefix}-ghost'.", health.Error);
        }

        [Theory]
        [InlineData(ContainerState.Running, ContainerHealthStatus.Healthy, 0, HealthStatus.Healthy)]
        [InlineData(ContainerState.Running, ContainerHealthStatus.Starting, 0, HealthStatus.Degraded)]
        [InlineData(ContainerState.Running, ContainerHealthStatus.None, 2, HealthStatus.Degraded)]
        [InlineData(ContainerState.Restarting, ContainerHealthStatus.None, 5, HealthStatus.Degraded)]
        [InlineData(ContainerState.Paused, ContainerHealthStatus.None, 0, HealthStatus.Unhealthy)]
        [InlineData(ContainerState.Dead, ContainerHealthStatus.None, 0, HealthStatus.Unhealthy)]
        public void Judges_state_health_and_recent_restarts(ContainerState state, ContainerHealthStatus health, int restarts, HealthStatus expected)
        {
            var now = DateTimeOffset.UtcNow;
            var container = new ServiceContainer("abc", "c") { State = state, Health = health, RestartCount = restarts, StartedAt = now.AddMinutes(-1) };

            Assert.Equal(expected, ContainerHealthProbe.Judge(container, TimeSpan.FromMinutes(10), now).Status);
        }

        [Fact]
        public void A_restart_outside_the_window_no_longer_counts()
        {
            var now = DateTimeOffset.UtcNow;
            var container = new ServiceContainer("abc", "c") { State = ContainerState.Running, RestartCount = 3, StartedAt = now.AddMinutes(-30) };

            Assert.Equal(HealthStatus.Healthy, ContainerHealthProbe.Judge(container, TimeSpan.FromMinutes(10), now).Status);
        }
    }
}
