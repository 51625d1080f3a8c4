using System;
using System.Collections.Generic;
using System.Linq;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Incidents
{
    /// <summary>Where an incident stands on its escalation policy: who has been brought in, who is next, and when.</summary>
    public sealed record EscalationState(EscalationLevel? Current, EscalationLevel? Next, DateTimeOffset? NextAt, IReadOnlyList<(EscalationLevel Level, DateTimeOffset At)> Reached);

    public static class EscalationPath
    {
        /// <summary>
        /// The levels that apply to the severity, reached by <paramref name="asOf"/> (the resolution, once resolved),
        /// counted from detection. A resolved incident has no next level.
        /// </summary>
        public static EscalationState Evaluate(IReadOnlyList<EscalationLevel> policy, IncidentSeverity severity, DateTimeOffset detectedAt,
            DateTimeOffset asOf, bool resolved)
        {
            var levels = policy.Where(l => l.AppliesTo(severity)).OrderBy(l => l.After).ToList();
            var elapsed = asOf - detectedAt;
            var reached = levels.Where(l => l.After <= elapsed).Select(l => (l, detectedAt + l.After)).ToList();
            var next = resolved ? null : levels.FirstOrDefault(l => l.After > elapsed);
            return new EscalationState(reached.Count > 0 ? reached[^1].Item1 : null, next, next is null ? null : detectedAt + next.After, reached);
        }

        /// <summary>Throws InvalidEscalationPolicy for a level without a name or with a negative delay.</summary>
        public static EscalationLevel[] Check(IReadOnlyList<EscalationLevel> policy)
        {
            if (policy.Count == 0)
            {
                throw Failures.InvalidArgument(IncidentErrors.InvalidEscalationPolicy, "The escalation policy has no levels.", null,
                    "Give at least one level, such as @{ Name = 'On-call engineer'; After = '00:00:00' }, or leave -EscalationPolicy out for seed 001's path.");
            }

            foreach (var level in policy)
            {
                if (level is null || string.IsNullOrWhiteSpace(level.Name) || level.After < TimeSpan.Zero)
                {
                    throw Failures.InvalidArgument(IncidentErrors.InvalidEscalationPolicy,
                        $"The escalation level '{level}' needs a Name and an After of zero or more.", level?.ToString(),
                        "Write each level as @{ Name = 'Team lead'; After = '00:30:00'; Severity = 'P0', 'P1' } (Severity may be left out for all).");
                }
            }

            return policy.Select(l => new EscalationLevel(l.Name.Trim(), l.After, l.Severity ?? Array.Empty<IncidentSeverity>())).ToArray();
        }
    }
}
