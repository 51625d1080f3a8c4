using System;

namespace OpsRunbook
{
    /// <summary>
    /// An incident as its timeline makes it: who, what, how bad, where it stands, how long each phase took, who
    /// it has been escalated to. Built from the store's append-only log each time it is read.
    /// </summary>
    public sealed class Incident
    {
        public Incident(string id, string title)
        {
            Id = id;
            Title = title;
        }

        /// <summary>INC-yyyyMMdd-NNN, unique within its store.</summary>
        public string Id { get; }

        public string Title { get; }

        public IncidentSeverity Severity { get; init; }

        public IncidentStatus Status { get; init; }

        /// <summary>The incident commander, when one was named.</summary>
        public string? Commander { get; init; }

        /// <summary>The services found affected.</summary>
        public string[] Services { get; init; } = Array.Empty<string>();

        /// <summary>Who is affected, as the [INCIDENT] message says it.</summary>
        public string? Impact { get; init; }

        /// <summary>When the impact began, when it is known (-ImpactStartedAt).</summary>
        public DateTimeOffset? ImpactStartedAt { get; init; }

        /// <summary>When the problem was first seen: the earliest probe that found it, or when the incident was opened.</summary>
        public DateTimeOffset DetectedAt { get; init; }

        /// <summary>When the incident was opened.</summary>
        public DateTimeOffset StartedAt { get; init; }

        /// <summary>When someone took it on: opened with a commander, or the first note or status change.</summary>
        public DateTimeOffset? AcknowledgedAt { get; init; }

        /// <summary>When the impact stopped: the first move to Monitoring, else the resolution.</summary>
        public DateTimeOffset? MitigatedAt { get; init; }

        public DateTimeOffset? ResolvedAt { get; init; }

        /// <summary>The response time of the severity: "Immediate (5 min)", "15 min", "1 h", "Next business day".</summary>
        public string ResponseTarget { get; init; } = string.Empty;

        /// <summary>When the response is due: detection plus the severity's response time.</summary>
        public DateTimeOffset ResponseDeadline { get; init; }

        /// <summary>From opening to resolution; null while open.</summary>
        public TimeSpan? Duration { get; init; }

        /// <summary>From the start of the impact to detection; null when the start of the impact is not known.</summary>
        public TimeSpan? TimeToDetect { get; init; }

        /// <summary>From detection to acknowledgement.</summary>
        public TimeSpan? TimeToAcknowledge { get; init; }

        /// <summary>From detection to mitigation.</summary>
        public TimeSpan? TimeToMitigate { get; init; }

        /// <summary>From detection to resolution.</summary>
        public TimeSpan? TimeToResolve { get; init; }

        /// <summary>Who the incident has been escalated to by now (or by its resolution).</summary>
        public string? EscalationLevel { get; init; }

        /// <summary>Who is brought in next if it stays unresolved; null when resolved or at the end of the path.</summary>
        public string? NextEscalation { get; init; }

        public DateTimeOffset? NextEscalationAt { get; init; }

        /// <summary>The escalation path this incident follows, fixed when it was opened.</summary>
        public EscalationLevel[] EscalationPolicy { get; init; } = Array.Empty<EscalationLevel>();

        /// <summary>When the next status update is due (seed 001: every 15-30 minutes); null when resolved.</summary>
        public DateTimeOffset? NextUpdateAt { get; init; }

        /// <summary>Seed 001: a post-mortem within 48 hours of resolving a P0 or P1.</summary>
        public DateTimeOffset? PostMortemDueAt { get; init; }

        public string? RootCause { get; init; }

        public string? Resolution { get; init; }

        public string[] ActionItems { get; init; } = Array.Empty<string>();

        public int NoteCount { get; init; }

        /// <summary>The incident's evidence folder, when evidence was collected.</summary>
        public string? EvidencePath { get; init; }

        public IncidentEvidence[] Evidence { get; init; } = Array.Empty<IncidentEvidence>();

        /// <summary>Messages that could not be delivered.</summary>
        public int NotificationFailures { get; init; }

        public IncidentEvent[] Timeline { get; init; } = Array.Empty<IncidentEvent>();

        /// <summary>The OpsRunbook commands run while it was current (or with -IncidentId), in the order they started.</summary>
        public IncidentAction[] Actions { get; init; } = Array.Empty<IncidentAction>();

        /// <summary>Where it is kept: a folder, or postgres://user@host:port/db (never with a password).</summary>
        public string Store { get; init; } = string.Empty;

        /// <summary>The time escalation and age were worked out for.</summary>
        public DateTimeOffset AsOf { get; init; }

        /// <summary>How long it has been open (to its resolution, once resolved).</summary>
        public TimeSpan Age => (ResolvedAt ?? AsOf) - StartedAt;

        public override string ToString() => $"{Id} {Severity} {Status}: {Title}";
    }
}
