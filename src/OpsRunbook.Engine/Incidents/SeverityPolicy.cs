using System;

namespace OpsRunbook.Engine.Incidents
{
    /// <summary>What a severity asks of the team, from seed 001: how fast to respond and how often to update.</summary>
    public static class SeverityPolicy
    {
        public static readonly TimeSpan PostMortemWindow = TimeSpan.FromHours(48);

        /// <summary>"Immediate" is taken as seed 001's P0 first response: within 5 minutes.</summary>
        public static string ResponseTarget(IncidentSeverity severity) => severity switch
        {
            IncidentSeverity.P0 => "Immediate (5 min)",
            IncidentSeverity.P1 => "15 min",
            IncidentSeverity.P2 => "1 h",
            _ => "Next business day",
        };

        /// <summary>When the response is due, counted from detection. A P3's is the end (17:00) of the next business day.</summary>
        public static DateTimeOffset ResponseDeadline(IncidentSeverity severity, DateTimeOffset detectedAt, TimeZoneInfo zone) => severity switch
        {
            IncidentSeverity.P0 => detectedAt.AddMinutes(5),
            IncidentSeverity.P1 => detectedAt.AddMinutes(15),
            IncidentSeverity.P2 => detectedAt.AddHours(1),
            _ => NextBusinessDayEnd(detectedAt, zone),
        };

        /// <summary>Seed 001: update stakeholders every 15-30 minutes; the worse the incident, the more often. None for a P3.</summary>
        public static TimeSpan? UpdateInterval(IncidentSeverity severity) => severity switch
        {
            IncidentSeverity.P0 or IncidentSeverity.P1 => TimeSpan.FromMinutes(15),
            IncidentSeverity.P2 => TimeSpan.FromMinutes(30),
            _ => null,
        };

        /// <summary>Seed 001: a post-mortem within 48 hours of a P0 or P1.</summary>
        public static bool NeedsPostMortem(IncidentSeverity severity) => severity is IncidentSeverity.P0 or IncidentSeverity.P1;

        private static DateTimeOffset NextBusinessDayEnd(DateTimeOffset from, TimeZoneInfo zone)
        {
            var local = TimeZoneInfo.ConvertTime(from, zone);
            var day = local.Date.AddDays(1);
            while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                day = day.AddDays(1);
            }

            var end = day.AddHours(17);
            return new DateTimeOffset(end, zone.GetUtcOffset(end));
        }
    }
}
