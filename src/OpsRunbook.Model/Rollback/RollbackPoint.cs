using System;
using System.Linq;

namespace OpsRunbook
{
    /// <summary>
    /// One restore point of a stack (seed 003's backups/&lt;yyyyMMdd_HHmmss&gt;/): its databases, Redis data,
    /// configuration files and container images, each file with its checksum in the point's manifest.
    /// </summary>
    public sealed class RollbackPoint
    {
        public RollbackPoint(string timestamp, string path)
        {
            Timestamp = timestamp;
            Path = path;
        }

        /// <summary>yyyyMMdd_HHmmss in UTC: the folder's name, and what Invoke-Rollback -Timestamp takes.</summary>
        public string Timestamp { get; }

        public string Path { get; }

        public DateTimeOffset CreatedAt { get; init; }

        /// <summary>What New-RollbackPoint -Name called it ("before 1.4.2"); null when unnamed.</summary>
        public string? Name { get; init; }

        /// <summary>The inventory's stack name.</summary>
        public string? Stack { get; init; }

        /// <summary>The inventory file the point was taken from.</summary>
        public string? Inventory { get; init; }

        /// <summary>Set on the safety point Invoke-Rollback takes: the timestamp of the point it then rolled back to.</summary>
        public string? SafetyFor { get; init; }

        public RollbackPointItem[] Items { get; init; } = Array.Empty<RollbackPointItem>();

        public long SizeBytes { get; init; }

        public TimeSpan Duration { get; init; }

        public RollbackPointVerification Verification { get; init; }

        /// <summary>What made it Corrupt or Incomplete, one line per file.</summary>
        public string[] Problems { get; init; } = Array.Empty<string>();

        public RollbackComponent[] Components => Items.Select(i => i.Component).Distinct().OrderBy(c => c).ToArray();

        public override string ToString() => Path;
    }
}
