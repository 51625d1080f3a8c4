using System;
using System.Linq;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Notifications;
using Xunit;

namespace OpsRunbook.Tests.Incidents
{
    public sealed class EscalationAndSeverityTests
    {
        private static readonly DateTimeOffset Detected = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

        [Theory]
        [InlineData(IncidentSeverity.P0, 5, "On-call engineer", "Team lead", 30)]
        [InlineData(IncidentSeverity.P0, 45, "Team lead", "Director of Engineering", 60)]
        [InlineData(IncidentSeverity.P0, 90, "Director of Engineering", "CTO", 120)]
        [InlineData(IncidentSeverity.P0, 150, "CTO", null, null)]
        [InlineData(IncidentSeverity.P1, 150, "Director of Engineering", null, null)]
        [InlineData(IncidentSeverity.P2, 90, "Team lead", null, null)]
        [InlineData(IncidentSeverity.P3, 600, "On-call engineer", null, null)]
        public void Follows_seed_001s_path(IncidentSeverity severity, int minutes, string current, string? next, int? nextMinutes)
        {
            var state = EscalationPath.Evaluate(EscalationLevel.Default, severity, Detected, Detected.AddMinutes(minutes), resolved: false);

            Assert.Equal(current, state.Current?.Name);
            Assert.Equal(next, state.Next?.Name);
            Assert.Equal(nextMinutes is int n ? Detected.AddMinutes(n) : null, state.NextAt);
        }

        [Fact]
        public void A_resolved_incident_escalates_no_further_and_keeps_the_levels_it_reached()
        {
            var state = EscalationPath.Evaluate(EscalationLevel.Default, IncidentSeverity.P1, Detected, Detected.AddMinutes(40), resolved: true);

            Assert.Equal("Team lead", state.Current?.Name);
            Assert.Null(state.Next);
            Assert.Equal(new[] { Detected, Detected.AddMinutes(30) }, state.Reached.Select(r => r.At));
        }

        [Fact]
        public void A_policy_of_the_users_own_replaces_the_default()
        {
            var policy = EscalationPath.Check(new[]
            {
                new EscalationLevel { Name = "Primary", After = TimeSpan.Zero },
                new EscalationLevel { Name = " Secondary ", After = TimeSpan.FromMinutes(10), Severity = new[] { IncidentSeverity.P0, IncidentSeverity.P1 } },
            });
            var state = EscalationPath.Evaluate(policy, IncidentSeverity.P1, Detected, Detected.AddMinutes(3), resolved: false);

            Assert.Equal("Primary", state.Current?.Name);
            Assert.Equal("Secondary", state.Next?.Name);
            Assert.Equal(Detected.AddMinutes(10), state.NextAt);
        }

        [Theory]
        [InlineData(IncidentSeverity.P0, 5)]
        [InlineData(IncidentSeverity.P1, 15)]
        [InlineData(IncidentSeverity.P2, 60)]
        public void Response_is_due_the_severitys_time_after_detection(IncidentSeverity severity, int minutes) =>
            Assert.Equal(Detected.AddMinutes(minutes), SeverityPolicy.ResponseDeadline(severity, Detected, TimeZoneInfo.Utc));

        [Fact]
        public void A_P3_found_on_a_friday_is_due_by_the_end_of_monday()
        {
            var friday = new DateTimeOffset(2026, 11, 27, 16, 0, 0, TimeSpan.Zero);
            Assert.Equal(DayOfWeek.Friday, friday.DayOfWeek);
            Assert.Equal(new DateTimeOffset(2026, 11, 30, 17, 0, 0, TimeSpan.Zero), SeverityPolicy.ResponseDeadline(IncidentSeverity.P3, friday, TimeZoneInfo.Utc));
        }

        [Theory]
        [InlineData(42, "42 seconds")]
        [InlineData(60, "1 minute")]
        [InlineData(3 * 60 + 5, "3 minutes")]
        [InlineData(3600 + 5 * 60, "1 hour 5 minutes")]
        [InlineData(2 * 3600, "2 hours")]
        [InlineData(26 * 3600, "1 day 2 hours")]
        public void Says_durations_as_the_resolved_template_does(int seconds, string text) =>
            Assert.Equal(text, IncidentMessages.HumanDuration(TimeSpan.FromSeconds(seconds)));
    }
}
