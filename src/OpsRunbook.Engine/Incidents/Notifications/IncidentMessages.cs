using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace OpsRunbook.Engine.Incidents.Notifications
{
    /// <summary>Seed 000's communication templates: [INCIDENT] when it starts, [UPDATE] on each change, [RESOLVED] at the end.</summary>
    public static class IncidentMessages
    {
        public static string Opened(Incident incident)
        {
            var text = new StringBuilder()
                .AppendLine($"[INCIDENT] {Heading(incident)}")
                .AppendLine($"Impact: {ImpactOf(incident)}")
                .AppendLine($"Status: {incident.Status}");
            if (incident.Commander is not null)
            {
                text.AppendLine($"Commander: {incident.Commander}");
            }

            return text.Append($"Next Update: {NextUpdate(incident)}").ToString();
        }

        /// <param name="mitigation">What was done, as the status change's note says it.</param>
        public static string Update(Incident incident, string? mitigation) =>
            new StringBuilder()
                .AppendLine($"[UPDATE] {Heading(incident)}")
                .AppendLine($"Status: {incident.Status}")
                .AppendLine($"Root Cause: {incident.RootCause ?? "Under investigation"}")
                .AppendLine($"Mitigation: {mitigation ?? "None yet"}")
                .Append($"Next Update: {NextUpdate(incident)}")
                .ToString();

        public static string Resolved(Incident incident) =>
            new StringBuilder()
                .AppendLine($"[RESOLVED] {Heading(incident)}")
                .AppendLine($"Duration: {HumanDuration(incident.Duration ?? TimeSpan.Zero)}")
                .AppendLine($"Root Cause: {incident.RootCause ?? "Not recorded"}")
                .AppendLine($"Resolution: {incident.Resolution ?? "Not recorded"}")
                .Append("Follow-up: ")
                .Append(incident.PostMortemDueAt is { } due
                    ? $"Post-mortem due by {Utc(due, "yyyy-MM-dd HH:mm")}"
                    : $"No post-mortem required for a {incident.Severity}")
                .ToString();

        /// <summary>The first line of every message names the template: [INCIDENT], [UPDATE] or [RESOLVED].</summary>
        public static string Template(string message) => message.Split('\n')[0].Split(' ')[0];

        /// <summary>"1 hour 5 minutes", "3 minutes", "42 seconds", "2 days 3 hours".</summary>
        public static string HumanDuration(TimeSpan duration)
        {
            static string Part(int n, string unit) => $"{n} {unit}{(n == 1 ? string.Empty : "s")}";
            if (duration.TotalDays >= 1)
            {
                return Part((int)duration.TotalDays, "day") + (duration.Hours > 0 ? " " + Part(duration.Hours, "hour") : string.Empty);
            }

            if (duration.TotalHours >= 1)
            {
                return Part((int)duration.TotalHours, "hour") + (duration.Minutes > 0 ? " " + Part(duration.Minutes, "minute") : string.Empty);
            }

            return duration.TotalMinutes >= 1 ? Part((int)duration.TotalMinutes, "minute") : Part((int)Math.Round(duration.TotalSeconds), "second");
        }

        private static string Heading(Incident incident) => $"{incident.Id} - {incident.Severity} - {incident.Title}";

        private static string ImpactOf(Incident incident) =>
            incident.Impact ?? (incident.Services.Length > 0 ? "Affected services: " + string.Join(", ", incident.Services) : "Being assessed");

        private static string NextUpdate(Incident incident) =>
            incident.NextUpdateAt is { } next ? Utc(next, "HH:mm") : "When there is news (no fixed cadence for a " + incident.Severity + ")";

        private static string Utc(DateTimeOffset time, string format) => time.ToUniversalTime().ToString(format, CultureInfo.InvariantCulture) + " UTC";
    }
}
