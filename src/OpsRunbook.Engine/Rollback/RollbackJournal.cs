using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace OpsRunbook.Engine.Rollback
{
    /// <summary>
    /// .rollback-in-progress.json in the restore points' folder: which rollback is under way, its safety point, and
    /// the steps done. Removed when the rollback finishes; one left behind is a rollback that was stopped or killed.
    /// </summary>
    public sealed class RollbackJournal
    {
        public const string FileName = ".rollback-in-progress.json";

        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        public string Point { get; set; } = string.Empty;

        public string Safety { get; set; } = string.Empty;

        public string? Inventory { get; set; }

        public DateTimeOffset StartedAt { get; set; }

        public List<string> Done { get; set; } = new();

        /// <summary>What to tell whoever finds this journal.</summary>
        public string Advice(string root) =>
            $"A rollback to the restore point {Point}, started {StartedAt:u}, did not finish (done: {(Done.Count == 0 ? "nothing" : string.Join(", ", Done))}). " +
            $"The state before it is in the safety point {Safety}: Invoke-Rollback -Path '{root}' -Timestamp {Safety} returns to it; " +
            $"Invoke-Rollback -Path '{root}' -Timestamp {Point} runs the rollback again to finish it.";

        public static RollbackJournal? Read(string root)
        {
            var path = Path.Combine(root, FileName);
            try
            {
                return File.Exists(path) ? JsonSerializer.Deserialize<RollbackJournal>(File.ReadAllText(path), Json) : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        public void Save(string root)
        {
            // Written aside and renamed, so a kill leaves the old journal or the new one, never half of one.
            var path = Path.Combine(root, FileName);
            var temporary = path + ".partial";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, this, Json);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }

        public static void Remove(string root) => File.Delete(Path.Combine(root, FileName));
    }
}
