using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Rollback
{
    /// <summary>
    /// .rollback-in-progress.json in the restore points' folder: which rollback is under way, its safety point, and
    /// the steps done. Removed when the rollback finishes; one left behind is a rollback that was stopped or killed.
    /// </summary>
    public sealed class RollbackJournal
    {
        public const string FileName = ".rollback-in-progress.json";

        /// <summary>Held (flock) by the rollback that runs from this folder; the kernel lets go of it when that process ends, however it ends.</summary>
        public const string LockFileName = ".rollback.lock";

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

        /// <summary>Claims the folder for one rollback; a second one while it runs is refused.</summary>
        public static IDisposable Lock(string root, string stack)
        {
            var path = Path.Combine(PrivateFiles.CreateFolder(root), LockFileName);
            var options = PrivateFiles.NewFile(mode: FileMode.OpenOrCreate);
            options.Access = FileAccess.ReadWrite;
            try
            {
                return new FileStream(path, options);
            }
            catch (IOException) when (File.Exists(path))
            {
                throw new OpsRunbookException(RollbackErrors.RollbackInProgress, FailureCategory.ResourceUnavailable,
                    $"Another rollback from '{root}' is running (it holds {LockFileName}). Nothing was changed.", stack,
                    "Wait for it to finish, then look at the stack before rolling back again.");
            }
        }

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
            using (var stream = new FileStream(temporary, PrivateFiles.NewFile(mode: FileMode.Create)))
            {
                JsonSerializer.Serialize(stream, this, Json);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }

        public static void Remove(string root) => File.Delete(Path.Combine(root, FileName));
    }
}
