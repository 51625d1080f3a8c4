using System;
using System.Linq;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Notifications;
using Xunit;

namespace OpsRunbook.Tests.Incidents
{
    /// <summary>The report and the messages from a log with known times, so every figure can be checked exactly.</summary>
    public sealed class PostMortemReportTests
    {
        private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

        private static IncidentEntry At(int seconds, long sequence, IncidentEntry entry) => entry with { Time = T0.AddSeconds(seconds), Sequence = sequence };

        private static Incident Resolved() => IncidentProjection.Build("INC-20261127-004", new[]
        {
            At(60, 1, new IncidentEntry(IncidentEventKind.Opened)
            {
                Title = "API readiness failing", Severity = IncidentSeverity.P1, Author = "alice@oncall", Impact = "All API clients get 503",
                DetectedAt = T0.AddSeconds(30), ImpactStartedAt = T0, EscalationPolicy = EscalationLevel.Default,
            }),
            At(60, 2, new IncidentEntry(IncidentEventKind.ServiceAffected) { Service = "api", ServiceStatus = "Unhealthy", Error = "HTTP 503", ObservedAt = T0.AddSeconds(30) }),
            At(61, 3, new IncidentEntry(IncidentEventKind.Evidence) { Name = "01-health.json", Path = "/ev/INC-20261127-004/01-health.json", Source = "health of 3 services", Bytes = 812, Sha256 = "ab12", Redactions = 1, EvidenceFolder = "/ev/INC-20261127-004" }),
            At(62, 4, new IncidentEntry(IncidentEventKind.Notified) { Message = "[INCIDENT]", Channel = "https://hooks.slack.com/***", Attempts = 1 }),
            At(180, 5, new IncidentEntry(IncidentEventKind.Note) { Text = "trace-abc123 failed in the market-data span", Author = "bob@oncall" }),
            At(600, 6, new IncidentEntry(IncidentEventKind.StatusChanged) { Status = IncidentStatus.Identified, Text = "Upstream timeout | retry storm", RootCause = "Market data API timed out" }),
            At(1500, 7, new IncidentEntry(IncidentEventKind.StatusChanged) { Status = IncidentStatus.Monitoring, Text = "Circuit breaker enabled" }),
            At(2460, 8, new IncidentEntry(IncidentEventKind.Resolved) { Resolution = "Circuit breaker and a longer timeout", RootCause = "Market data API timed out under load" }),
            At(2460, 9, new IncidentEntry(IncidentEventKind.ActionItem) { Text = "Alert on upstream p95 latency" }),
        }, "/var/incidents", T0.AddHours(5), TimeZoneInfo.Utc);

        [Fact]
        public void Works_out_the_four_times_from_the_log()
        {
            var incident = Resolved();

            Assert.Equal(TimeSpan.FromSeconds(30), incident.TimeToDetect);
            Assert.Equal(TimeSpan.FromSeconds(150), incident.TimeToAcknowledge);
            Assert.Equal(TimeSpan.FromSeconds(1470), incident.TimeToMitigate);
            Assert.Equal(TimeSpan.FromSeconds(2430), incident.TimeToResolve);
            Assert.Equal(TimeSpan.FromSeconds(2400), incident.Duration);
            Assert.Equal("Team lead", incident.EscalationLevel);
        }

        [Fact]
        public void Writes_every_section_with_the_times_and_durations()
        {
            var report = PostMortemReport.Write(Resolved());

            Assert.StartsWith("# Post-mortem: INC-20261127-004 - API readiness failing", report, StringComparison.Ordinal);
            foreach (var section in new[] { "## Summary", "## Impact", "## Response times", "## Timeline", "## Root cause", "## Resolution", "## Action items", "## Evidence" })
            {
                Assert.Contains("\n" + section + "\n", report, StringComparison.Ordinal);
            }

            Assert.Contains("| Time to detect | impact began 2026-11-27 10:00:00.000 UTC | detected 2026-11-27 10:00:30.000 UTC | 00:00:30.0 (30 seconds) |", report, StringComparison.Ordinal);
            Assert.Contains("| Time to acknowledge | detected 2026-11-27 10:00:30.000 UTC | acknowledged 2026-11-27 10:03:00.000 UTC | 00:02:30.0 (2 minutes) |", report, StringComparison.Ordinal);
            Assert.Contains("| Time to mitigate | detected 2026-11-27 10:00:30.000 UTC | mitigated 2026-11-27 10:25:00.000 UTC | 00:24:30.0 (24 minutes) |", report, StringComparison.Ordinal);
            Assert.Contains("| Time to resolve | detected 2026-11-27 10:00:30.000 UTC | resolved 2026-11-27 10:41:00.000 UTC | 00:40:30.0 (40 minutes) |", report, StringComparison.Ordinal);
            Assert.Contains("| Duration | 00:40:00.0 (40 minutes) |", report, StringComparison.Ordinal);
            Assert.Contains("Response target 15 min, due 2026-11-27 10:15:30.000 UTC: met.", report, StringComparison.Ordinal);
            Assert.Contains("Impact from 2026-11-27 10:00:00.000 UTC to 2026-11-27 10:25:00.000 UTC: 00:25:00.0 (25 minutes).", report, StringComparison.Ordinal);
            Assert.Contains("| 2026-11-27 10:03:00.000 | Note | trace-abc123 failed in the market-data span | bob@oncall |", report, StringComparison.Ordinal);
            Assert.Contains("| 2026-11-27 10:30:30.000 | Escalation | Team lead due (00:30:00.0 (30 minutes) after detection) |  |", report, StringComparison.Ordinal);
            Assert.Contains("Status Identified -> Monitoring: Circuit breaker enabled", report, StringComparison.Ordinal);
            Assert.Contains("Upstream timeout \\| retry storm", report, StringComparison.Ordinal);
            Assert.Contains("- [ ] Alert on upstream p95 latency", report, StringComparison.Ordinal);
            Assert.Contains("| 01-health.json | health of 3 services | 812 | 1 | `ab12` |", report, StringComparison.Ordinal);
            Assert.Contains("| Post-mortem due | 2026-11-29 10:41:00.000 UTC |", report, StringComparison.Ordinal);

            // The timeline is in order of time, detection first among equals.
            var rows = report.Split('\n').SkipWhile(l => l != "## Timeline").Where(l => l.StartsWith("| 2026", StringComparison.Ordinal)).Select(l => l[2..25]).ToList();
            Assert.Equal(rows.OrderBy(r => r, StringComparer.Ordinal), rows);
            Assert.Equal(12, rows.Count);
        }

        [Fact]
        public void Fills_the_seed_templates()
        {
            var incident = Resolved();
            var opened = IncidentMessages.Opened(incident).Split('\n');
            Assert.Equal("[INCIDENT] INC-20261127-004 - P1 - API readiness failing", opened[0]);
            Assert.Equal("Impact: All API clients get 503", opened[1]);
            Assert.Equal("Status: Resolved", opened[2]);

            var update = IncidentMessages.Update(incident, "Circuit breaker enabled").Split('\n');
            Assert.Equal(new[] { "[UPDATE] INC-20261127-004 - P1 - API readiness failing", "Status: Resolved", "Root Cause: Market data API timed out under load",
                "Mitigation: Circuit breaker enabled", "Next Update: When there is news (no fixed cadence for a P1)" }.Take(4), update.Take(4));

            var resolved = IncidentMessages.Resolved(incident).Split('\n');
            Assert.Equal("[RESOLVED] INC-20261127-004 - P1 - API readiness failing", resolved[0]);
            Assert.Equal("Duration: 40 minutes", resolved[1]);
            Assert.Equal("Root Cause: Market data API timed out under load", resolved[2]);
            Assert.Equal("Resolution: Circuit breaker and a longer timeout", resolved[3]);
            Assert.Equal("Follow-up: Post-mortem due by 2026-11-29 10:41 UTC", resolved[4]);
            Assert.Equal("[RESOLVED]", IncidentMessages.Template(IncidentMessages.Resolved(incident)));
        }
    }
}
