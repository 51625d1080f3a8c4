using System;

namespace OpsRunbook
{
    /// <summary>One entry of an incident's timeline, in the order and at the time the store recorded it.</summary>
    public sealed class IncidentEvent
    {
        public IncidentEvent(string incidentId, long sequence, DateTimeOffset time, IncidentEventKind kind, string text)
        {
            IncidentId = incidentId;
            Sequence = sequence;
            Time = time;
            Kind = kind;
            Text = text;
        }

        public string IncidentId { get; }

        /// <summary>1 for the opening entry, then one more for each entry after it.</summary>
        public long Sequence { get; }

        /// <summary>When the store recorded it; later entries never have earlier times.</summary>
        public DateTimeOffset Time { get; }

        public IncidentEventKind Kind { get; }

        /// <summary>What happened, as the timeline and the post-mortem show it.</summary>
        public string Text { get; }

        /// <summary>Who recorded it (the user name of the session, or -Author).</summary>
        public string? Author { get; init; }

        /// <summary>The service a ServiceAffected entry is about.</summary>
        public string? Service { get; init; }

        /// <summary>The status a StatusChanged entry moved to.</summary>
        public IncidentStatus? Status { get; init; }

        /// <summary>The file an Evidence entry wrote.</summary>
        public string? Path { get; init; }

        /// <summary>The command an Action entry records (Restart-ServiceContainer, ...).</summary>
        public string? Command { get; init; }

        public override string ToString() => $"{Time:yyyy-MM-dd HH:mm:ss} {Kind}: {Text}";
    }
}
