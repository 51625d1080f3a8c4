using System;

namespace OpsRunbook
{
    /// <summary>One file of an incident's evidence folder: what it holds, where it is, and its checksum.</summary>
    public sealed class IncidentEvidence
    {
        public IncidentEvidence(string name, string path, string source)
        {
            Name = name;
            Path = path;
            Source = source;
        }

        /// <summary>The file name: 01-health.json, 03-logs-api.txt, ...</summary>
        public string Name { get; }

        public string Path { get; }

        /// <summary>What it is a snapshot of: "health of 4 services", "error lines of container app-api-1", ...</summary>
        public string Source { get; }

        public long Bytes { get; init; }

        /// <summary>SHA-256 of the file as written (after redaction), lower-case hex.</summary>
        public string? Sha256 { get; init; }

        /// <summary>How many secrets were masked in it.</summary>
        public int Redactions { get; init; }

        public DateTimeOffset CollectedAt { get; init; }

        public override string ToString() => Path;
    }
}
