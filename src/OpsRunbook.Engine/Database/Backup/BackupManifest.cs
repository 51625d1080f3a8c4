using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>The .json beside a backup: what was dumped, from which server, with which tool, and how many rows.</summary>
    public sealed class BackupManifest
    {
        public const string Producer = "OpsRunbook";

        /// <summary>How OpsRunbook's manifests are written: snake_case, indented, enums by name.</summary>
        internal static readonly JsonSerializerOptions Json = new()
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Converters = { new JsonStringEnumConverter() },
        };

        public string CreatedBy { get; set; } = Producer;

        public string Database { get; set; } = string.Empty;

        /// <summary>The server without password.</summary>
        public string Server { get; set; } = string.Empty;

        public string ServerVersion { get; set; } = string.Empty;

        public string Tool { get; set; } = "pg_dump";

        public string ToolVersion { get; set; } = string.Empty;

        public BackupFormat Format { get; set; }

        public string File { get; set; } = string.Empty;

        /// <summary>The container pg_dump ran in, when it ran in one.</summary>
        public string? Container { get; set; }

        public DateTimeOffset StartedAt { get; set; }

        public DateTimeOffset FinishedAt { get; set; }

        public long SizeBytes { get; set; }

        public string Sha256 { get; set; } = string.Empty;

        public List<TableRows> Tables { get; set; } = new();

        /// <summary>The database's own properties when the dump started, for a restore where no database of that name exists.</summary>
        public DatabaseProperties? DatabaseProperties { get; set; }

        public sealed class TableRows
        {
            public string Table { get; set; } = string.Empty;

            public long Rows { get; set; }
        }

        public string ToJson() => JsonSerializer.Serialize(this, Json);

        /// <summary>The manifest of a backup, or null when it has none or it is not ours or not readable.</summary>
        public static BackupManifest? Read(string backupPath)
        {
            var path = BackupFiles.ManifestPath(backupPath);
            if (!System.IO.File.Exists(path))
            {
                return null;
            }

            try
            {
                var manifest = JsonSerializer.Deserialize<BackupManifest>(System.IO.File.ReadAllText(path), Json);
                return manifest?.CreatedBy == Producer ? manifest : null;
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        public BackupTableRows[] TableRowsArray() => Tables.Select(t => new BackupTableRows(t.Table, t.Rows)).ToArray();
    }
}
