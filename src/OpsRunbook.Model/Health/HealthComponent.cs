namespace OpsRunbook
{
    /// <summary>One dependency a service reports in its readiness document (postgresql, redis, llm, ...).</summary>
    public sealed class HealthComponent
    {
        public HealthComponent(string name, HealthStatus status, string? reportedStatus, double? latencyMs, string? error)
        {
            Name = name;
            Status = status;
            ReportedStatus = reportedStatus;
            LatencyMs = latencyMs;
            Error = error;
        }

        public string Name { get; }

        public HealthStatus Status { get; }

        /// <summary>The status word exactly as the service wrote it ("ok", "unhealthy", "Degraded").</summary>
        public string? ReportedStatus { get; }

        public double? LatencyMs { get; }

        public string? Error { get; }

        public override string ToString() => Error is null ? $"{Name}: {Status}" : $"{Name}: {Status} ({Error})";
    }
}
