namespace OpsRunbook
{
    /// <summary>Ordered from best to worst, so the worst of several is their maximum.</summary>
    public enum HealthStatus
    {
        Healthy,
        Degraded,
        Unhealthy,
    }
}
