namespace OpsRunbook
{
    /// <summary>One sample of a container's resource use, as `docker stats --no-stream` shows it.</summary>
    public sealed class ContainerStat
    {
        public ContainerStat(string name)
        {
            Name = name;
        }

        public string Name { get; }

        public string? Service { get; init; }

        public double CpuPercent { get; init; }

        public long MemoryUsedBytes { get; init; }

        public long MemoryLimitBytes { get; init; }

        public double MemoryPercent { get; init; }

        public long NetworkReceivedBytes { get; init; }

        public long NetworkSentBytes { get; init; }

        public long BlockReadBytes { get; init; }

        public long BlockWrittenBytes { get; init; }

        public long Pids { get; init; }

        public override string ToString() => $"{Name}: CPU {CpuPercent:0.0}%, memory {MemoryUsedBytes / 1048576.0:0.0} MiB";
    }
}
