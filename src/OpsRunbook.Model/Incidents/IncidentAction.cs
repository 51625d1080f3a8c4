using System;

namespace OpsRunbook
{
    /// <summary>
    /// One OpsRunbook command run while an incident was current: the command and its parameters (every secret
    /// removed), what it found or changed, when it started, how long it took, and its error if it failed.
    /// </summary>
    public sealed class IncidentAction
    {
        public IncidentAction(string incidentId, long sequence, string command)
        {
            IncidentId = incidentId;
            Sequence = sequence;
            Command = command;
        }

        public string IncidentId { get; }

        /// <summary>Its place in the incident's log.</summary>
        public long Sequence { get; }

        /// <summary>The cmdlet: Get-ServiceHealth, Restart-ServiceContainer, ...</summary>
        public string Command { get; }

        /// <summary>Its parameters as they would be typed, secrets shown as [REDACTED]; piped parameters as &lt;piped Type&gt;.</summary>
        public string Parameters { get; init; } = string.Empty;

        /// <summary>When the command started.</summary>
        public DateTimeOffset StartedAt { get; init; }

        /// <summary>From its start to its last output or error.</summary>
        public TimeSpan Duration { get; init; }

        /// <summary>What it found or changed, in one line: "4 services: 3 Healthy, 1 Unhealthy (api: HTTP 503)".</summary>
        public string Summary { get; init; } = string.Empty;

        /// <summary>Its first error (and how many there were), or null when it had none.</summary>
        public string? Error { get; init; }

        public bool Succeeded => Error is null;

        /// <summary>Who ran it (user@host).</summary>
        public string? Author { get; init; }

        /// <summary>When the store recorded it: when the command ended.</summary>
        public DateTimeOffset RecordedAt { get; init; }

        /// <summary>The command line, as the report shows it.</summary>
        public string CommandLine => Parameters.Length == 0 ? Command : Command + " " + Parameters;

        public override string ToString() => $"{CommandLine}: {Summary}";
    }
}
