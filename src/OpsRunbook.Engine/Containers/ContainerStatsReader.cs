using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>One sample of a running container's resource use, computed as `docker stats --no-stream` does.</summary>
    public sealed class ContainerStatsReader
    {
        private readonly DockerConnection _docker;

        public ContainerStatsReader(DockerConnection docker)
        {
            _docker = docker;
        }

        public async Task<ContainerStat> SampleAsync(ServiceContainer container, CancellationToken cancellationToken)
        {
            ContainerStatsResponse? sample = null;
            // Stream = false: the daemon takes two readings a second apart, so the CPU share can be computed.
            await _docker.CallAsync((c, t) => c.Containers.GetContainerStatsAsync(container.Name, new ContainerStatsParameters { Stream = false },
                new Progress(s => sample = s), t), container.Name, cancellationToken).ConfigureAwait(false);
            return sample is null ? new ContainerStat(container.Name) { Service = container.Service } : ToStat(container, sample);
        }

        internal static ContainerStat ToStat(ServiceContainer container, ContainerStatsResponse sample)
        {
            var cpuDelta = (double)(sample.CPUStats?.CPUUsage?.TotalUsage ?? 0) - (sample.PreCPUStats?.CPUUsage?.TotalUsage ?? 0);
            var systemDelta = (double)(sample.CPUStats?.SystemUsage ?? 0) - (sample.PreCPUStats?.SystemUsage ?? 0);
            var cpus = sample.CPUStats?.OnlineCPUs is > 0 ? sample.CPUStats.OnlineCPUs : (uint)(sample.CPUStats?.CPUUsage?.PercpuUsage?.Count ?? 1);
            var cpu = cpuDelta > 0 && systemDelta > 0 ? cpuDelta / systemDelta * cpus * 100 : 0;

            // As docker stats: page cache that can be dropped does not count as used (cgroup v2 and v1 names).
            var stats = sample.MemoryStats?.Stats;
            ulong inactive = 0;
            _ = stats is not null && (stats.TryGetValue("inactive_file", out inactive) || stats.TryGetValue("total_inactive_file", out inactive));

            var usage = sample.MemoryStats?.Usage ?? 0;
            var used = (long)(usage > inactive ? usage - inactive : usage);
            var limit = (long)(sample.MemoryStats?.Limit ?? 0);
            var io = sample.BlkioStats?.IoServiceBytesRecursive;
            return new ContainerStat(container.Name)
            {
                Service = container.Service,
                CpuPercent = Math.Round(cpu, 2),
                MemoryUsedBytes = used,
                MemoryLimitBytes = limit,
                MemoryPercent = limit > 0 ? Math.Round(used * 100.0 / limit, 2) : 0,
                NetworkReceivedBytes = (long)(sample.Networks?.Values.Sum(n => (double)n.RxBytes) ?? 0),
                NetworkSentBytes = (long)(sample.Networks?.Values.Sum(n => (double)n.TxBytes) ?? 0),
                BlockReadBytes = (long)(io?.Where(e => e.Op.Equals("read", StringComparison.OrdinalIgnoreCase)).Sum(e => (double)e.Value) ?? 0),
                BlockWrittenBytes = (long)(io?.Where(e => e.Op.Equals("write", StringComparison.OrdinalIgnoreCase)).Sum(e => (double)e.Value) ?? 0),
                Pids = (long)(sample.PidsStats?.Current ?? 0),
            };
        }

        // Progress<T> posts to a captured context; this one records on the calling thread.
        private sealed class Progress : IProgress<ContainerStatsResponse>
        {
            private readonly Action<ContainerStatsResponse> _report;

            public Progress(Action<ContainerStatsResponse> report)
            {
                _report = report;
            }

            public void Report(ContainerStatsResponse value) => _report(value);
        }
    }
}
