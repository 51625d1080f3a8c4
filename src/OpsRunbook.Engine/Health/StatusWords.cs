using System;
using System.Collections.Generic;

namespace OpsRunbook.Engine.Health
{
    /// <summary>Reads the status words services use in readiness documents ("ok", "UP", "not_ready", "Degraded").</summary>
    internal static class StatusWords
    {
        private static readonly HashSet<string> HealthyWords = new(StringComparer.OrdinalIgnoreCase)
        {
            "ok", "healthy", "ready", "up", "pass", "passed", "green", "available", "alive", "live", "running", "true", "success", "online",
        };

        private static readonly HashSet<string> DegradedWords = new(StringComparer.OrdinalIgnoreCase)
        {
            "degraded", "warn", "warning", "yellow", "partial", "partially_ready",
        };

        /// <summary>Any word that is not healthy or degraded (not_ready, down, fail, error, ...) means unhealthy.</summary>
        public static HealthStatus Parse(string word)
        {
            var trimmed = word.Trim();
            if (HealthyWords.Contains(trimmed))
            {
                return HealthStatus.Healthy;
            }

            return DegradedWords.Contains(trimmed) ? HealthStatus.Degraded : HealthStatus.Unhealthy;
        }

        public static HealthStatus Worst(HealthStatus a, HealthStatus b) => a > b ? a : b;
    }
}
