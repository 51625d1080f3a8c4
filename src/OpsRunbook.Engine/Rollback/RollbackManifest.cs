using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using OpsRunbook.Engine.Database.Backup;

namespace OpsRunbook.Engine.Rollback
{
    /// <summary>
    /// rollback-point.json: what a restore point captured, and the checksum of every file in it. Beside it,
    /// SHA256SUMS lists the same files and the manifest itself, so `sha256sum -c SHA256SUMS` checks a point too.
    /// </summary>
    public sealed class RollbackManifest
    {
        public const string Producer = "OpsRunbook";
        public const string FileName = "rollback-point.json";
        public const string ChecksumsFileName = "SHA256SUMS";

        private static readonly JsonSerializerOptions Json = BackupManifest.Json;

        public string CreatedBy { get; set; } = Producer;

        public string Timestamp { get; set; } = string.Empty;

        public string? Name { get; set; }

        public string? Stack { get; set; }

        public string? Inventory { get; set; }

        public string? SafetyFor { get; set; }

        public DateTimeOffset StartedAt { get; set; }

        public DateTimeOffset FinishedAt { get; set; }

        public List<Item> Items { get; set; } = new();

        public List<FileEntry> Files { get; set; } = new();

        public sealed class Item
        {
            public RollbackComponent Component { get; set; }

            public string Service { get; set; } = string.Empty;

            /// <summary>Relative to the point's folder, with forward slashes.</summary>
            public string File { get; set; } = string.Empty;

            public string Detail { get; set; } = string.Empty;

            /// <summary>Config: the file's full path where it lives. Database: the database. Redis: the server.</summary>
            public string? Source { get; set; }

            /// <summary>Config: the file's Unix mode, in octal.</summary>
            public string? Mode { get; set; }
        }

        public sealed class FileEntry
        {
            public string Path { get; set; } = string.Empty;

            public string Sha256 { get; set; } = string.Empty;

            public long SizeBytes { get; set; }
        }

        public string ToJson() => JsonSerializer.Serialize(this, Json);

        /// <summary>The manifest in a point's folder; null when there is none. Throws JsonException when it is not one of ours.</summary>
        public static RollbackManifest? Read(string folder)
        {
            var path = System.IO.Path.Combine(folder, FileName);
            if (!System.IO.File.Exists(path))
            {
                return null;
            }

            var manifest = JsonSerializer.Deserialize<RollbackManifest>(System.IO.File.ReadAllText(path), Json);
            return manifest?.CreatedBy == Producer ? manifest : throw new JsonException($"{path} was not written by {Producer}.");
        }
    }
}
