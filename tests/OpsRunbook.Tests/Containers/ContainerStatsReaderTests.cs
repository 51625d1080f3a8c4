using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using Xunit;

namespace OpsRunbook.Tests.Containers
{
    public sealed class ContainerStatsReaderTests : IAsyncLifetime
    {
        private readonly TestContainers _containers = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public Task DisposeAsync() => _containers.DisposeAsync().AsTask();

        [Fact]
        public async Task Samples_cpu_memory_and_processes_of_a_running_container()
        {
            // A busy loop, so the CPU share is above zero.
            var name = await _containers.CreateAsync("busy", "trap 'exit 0' TERM; while true; do :; done");
            using var docker = _containers.Connect();
            var container = await new ContainerCatalog(docker).GetAsync(name, CancellationToken.None);

            var stat = await new ContainerStatsReader(docker).SampleAsync(container, CancellationToken.None);

            Assert.Equal(name, stat.Name);
            Assert.True(stat.CpuPercent > 1, $"CPU {stat.CpuPercent}%");
            Assert.True(stat.MemoryUsedBytes > 0);
            Assert.True(stat.MemoryLimitBytes >= stat.MemoryUsedBytes);
            Assert.True(stat.Pids >= 1);
            Assert.Equal(0, stat.NetworkReceivedBytes);
        }
    }
}
