using System;
using System.Linq;

namespace OpsRunbook
{
    /// <summary>
    /// One step of an escalation path: who is brought in, how long after detection, for which severities.
    /// A policy is an array of these; scripts write them as hashtables:
    /// <c>@{ Name = 'Team lead'; After = '00:30:00'; Severity = 'P0', 'P1' }</c>.
    /// </summary>
    public sealed class EscalationLevel
    {
        public EscalationLevel()
        {
        }

        public EscalationLevel(string name, TimeSpan after, params IncidentSeverity[] severity)
        {
            Name = name;
            After = after;
            Severity = severity;
        }

        /// <summary>Who is brought in: "On-call engineer", "Team lead".</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>How long after detection, while the incident is unresolved.</summary>
        public TimeSpan After { get; set; }

        /// <summary>The severities this level applies to; empty for all.</summary>
        public IncidentSeverity[] Severity { get; set; } = Array.Empty<IncidentSeverity>();

        public bool AppliesTo(IncidentSeverity severity) => Severity.Length == 0 || Severity.Contains(severity);

        /// <summary>
        /// Seed 001's path: the on-call engineer first; the team lead if unresolved after 30 minutes; the director of
        /// engineering after an hour of critical impact (P0, P1); the CTO after two hours of a major outage (P0).
        /// A P3 (next business day) does not page a team lead.
        /// </summary>
        public static EscalationLevel[] Default => new[]
        {
            new EscalationLevel("On-call engineer", TimeSpan.Zero),
            new EscalationLevel("Team lead", TimeSpan.FromMinutes(30), IncidentSeverity.P0, IncidentSeverity.P1, IncidentSeverity.P2),
            new EscalationLevel("Director of Engineering", TimeSpan.FromHours(1), IncidentSeverity.P0, IncidentSeverity.P1),
            new EscalationLevel("CTO", TimeSpan.FromHours(2), IncidentSeverity.P0),
        };

        public override string ToString() =>
            $"{Name} after {DurationText.Format(After)}{(Severity.Length == 0 ? string.Empty : " (" + string.Join(", ", Severity) + ")")}";
    }
}
