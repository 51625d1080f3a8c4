using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpsRunbook.Engine.Incidents
{
    /// <summary>
    /// One line of an incident's append-only log, as the stores keep it. The store sets Sequence and Time when it
    /// appends; every other field belongs to the kind of entry and is null otherwise. The log is the truth:
    /// <see cref="IncidentProjection"/> rebuilds the incident from it.
    /// </summary>
    public sealed record IncidentEntry
    {
        public IncidentEntry(IncidentEventKind kind)
        {
            Kind = kind;
        }

        public long Sequence { get; init; }

        public DateTimeOffset Time { get; init; }

        public IncidentEventKind Kind { get; init; }

        public string? Author { get; init; }

        /// <summary>A note or action item's words; a status change's note; what an action found or changed.</summary>
        public string? Text { get; init; }

        // Opened
        public string? Title { get; init; }

        public IncidentSeverity? Severity { get; init; }

        public string? Commander { get; init; }

        public string? Impact { get; init; }

        public DateTimeOffset? DetectedAt { get; init; }

        public DateTimeOffset? ImpactStartedAt { get; init; }

        public EscalationLevel[]? EscalationPolicy { get; init; }

        // ServiceAffected
        public string? Service { get; init; }

        public string? ServiceKind { get; init; }

        public string? ServiceStatus { get; init; }

        public string? Error { get; init; }

        public DateTimeOffset? ObservedAt { get; init; }

        // StatusChanged, Resolved
        public IncidentStatus? Status { get; init; }

        public string? RootCause { get; init; }

        public string? Resolution { get; init; }

        // Evidence, EvidenceSkipped
        public string? EvidenceFolder { get; init; }

        public string? Name { get; init; }

        public string? Path { get; init; }

        public string? Source { get; init; }

        public long? Bytes { get; init; }

        public string? Sha256 { get; init; }

        public int? Redactions { get; init; }

        // Notified, NotificationFailed
        public string? Message { get; init; }

        public string? Channel { get; init; }

        public int? Attempts { get; init; }

        // Action: the command, its parameters (redacted), when it started and how long it took; Text holds what it
        // found or changed, Error its first error.
        public string? Command { get; init; }

        public string? Parameters { get; init; }

        public DateTimeOffset? StartedAt { get; init; }

        public TimeSpan? Duration { get; init; }

        public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter() },
        };

        /// <summary>One line of JSON, no line breaks inside.</summary>
        public string ToJson() => JsonSerializer.Serialize(this, Json);

        public static IncidentEntry FromJson(string json) =>
            JsonSerializer.Deserialize<IncidentEntry>(json, Json) ?? throw new JsonException("The entry is null.");
    }
}
