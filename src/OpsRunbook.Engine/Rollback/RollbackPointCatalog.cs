using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database.Backup;

namespace OpsRunbook.Engine.Rollback
{
    /// <summary>The restore points of a folder: listed newest first, found by timestamp, checked file by file.</summary>
    public static class RollbackPointCatalog
    {
        private static readonly Regex SumsLine = new(@"^(?<hash>[0-9a-f]{64})  (?<path>.+)$", RegexOptions.CultureInvariant);

        /// <summary>
        /// The points under <paramref name="path"/>, newest first; <paramref name="path"/> may also be one point's own folder.
        /// A folder that holds none is an error that says what a restore point folder looks like.
        /// </summary>
        public static IReadOnlyList<RollbackPoint> List(string path)
        {
            if (!Directory.Exists(path))
            {
                throw new OpsRunbookException(RollbackErrors.RollbackFolderNotFound, FailureCategory.ObjectNotFound,
                    $"The folder '{path}' does not exist.", path, "Give the folder New-RollbackPoint -Path wrote restore points into.");
            }

            if (IsPoint(path))
            {
                return new[] { Describe(path) };
            }

            var points = Directory.EnumerateDirectories(path)
                .Where(d => RollbackPointFolder.IsTimestamp(Path.GetFileName(d)) && IsPoint(d))
                .OrderByDescending(d => Path.GetFileName(d), StringComparer.Ordinal)
                .Select(Describe)
                .ToList();
            return points.Count > 0
                ? points
                : throw new OpsRunbookException(RollbackErrors.NotARollbackFolder, FailureCategory.InvalidArgument,
                    $"'{path}' holds no restore points: folders named yyyyMMdd_HHmmss with a {RollbackManifest.FileName} or {RollbackManifest.ChecksumsFileName} in them.",
                    path, "Give the folder New-RollbackPoint -Path wrote into (seed 003's backups/), or take a point first with New-RollbackPoint.");
        }

        /// <summary>
        /// The point of that timestamp, or when none is given the newest one New-RollbackPoint took: rollback.sh's
        /// "latest backup". Safety points are left to -Timestamp, or a second "rollback to latest" would undo the first.
        /// </summary>
        public static RollbackPoint Find(string path, string? timestamp)
        {
            var points = List(path);
            if (timestamp is null)
            {
                return points.FirstOrDefault(p => p.SafetyFor is null)
                    ?? throw new OpsRunbookException(RollbackErrors.RollbackPointNotFound, FailureCategory.ObjectNotFound,
                        $"'{path}' holds only safety points ({string.Join(", ", points.Take(10).Select(p => p.Timestamp))}), which -Latest does not choose.",
                        path, "Roll forward to a safety point by its -Timestamp, or take a point with New-RollbackPoint.");
            }

            return points.FirstOrDefault(p => p.Timestamp == timestamp)
                ?? throw new OpsRunbookException(RollbackErrors.RollbackPointNotFound, FailureCategory.ObjectNotFound,
                    $"'{path}' has no restore point {timestamp}. It has: {string.Join(", ", points.Take(10).Select(p => p.Timestamp))}{(points.Count > 10 ? ", ..." : string.Empty)}.",
                    timestamp, "Use one of the timestamps listed (-Timestamp completes them with Tab), or -Latest.");
        }

        private static bool IsPoint(string folder) =>
            File.Exists(Path.Combine(folder, RollbackManifest.FileName)) || File.Exists(Path.Combine(folder, RollbackManifest.ChecksumsFileName));

        /// <summary>The point as its manifest describes it, not yet checked; one whose manifest is missing or unreadable says so.</summary>
        public static RollbackPoint Describe(string folder) => Describe(folder, null);

        internal static RollbackPoint Describe(string folder, RollbackManifest? manifest)
        {
            var timestamp = Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar));
            string? problem = null;
            try
            {
                manifest ??= RollbackManifest.Read(folder);
                problem = manifest is null ? $"{RollbackManifest.FileName} is missing" : null;
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                problem = $"{RollbackManifest.FileName} cannot be read: {ex.Message}";
            }

            if (manifest is null)
            {
                return new RollbackPoint(timestamp, folder)
                {
                    CreatedAt = RollbackPointFolder.IsTimestamp(timestamp) ? RollbackPointFolder.ParseTimestamp(timestamp) : Directory.GetCreationTimeUtc(folder),
                    Verification = problem!.EndsWith("missing", StringComparison.Ordinal) ? RollbackPointVerification.Incomplete : RollbackPointVerification.Corrupt,
                    Problems = new[] { problem },
                };
            }

            return new RollbackPoint(manifest.Timestamp.Length > 0 ? manifest.Timestamp : timestamp, folder)
            {
                Name = manifest.Name,
                CreatedAt = manifest.StartedAt,
                Stack = manifest.Stack,
                Inventory = manifest.Inventory,
                SafetyFor = manifest.SafetyFor,
                Items = manifest.Items.Select(i => new RollbackPointItem(i.Component, i.Service, i.File)
                {
                    Detail = i.Detail,
                    Sha256 = manifest.Files.FirstOrDefault(f => f.Path == i.File)?.Sha256 ?? string.Empty,
                    SizeBytes = manifest.Files.FirstOrDefault(f => f.Path == i.File)?.SizeBytes ?? 0,
                }).ToArray(),
                SizeBytes = manifest.Files.Sum(f => f.SizeBytes),
                Duration = manifest.FinishedAt - manifest.StartedAt,
            };
        }

        /// <summary>
        /// Checks every file SHA256SUMS lists, the manifest among them, and that the manifest lists no file SHA256SUMS
        /// does not. Corrupt when bytes differ; Incomplete when something is missing.
        /// </summary>
        public static async Task<RollbackPoint> VerifyAsync(RollbackPoint point, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var problems = new List<string>(point.Problems);
            var corrupt = point.Verification == RollbackPointVerification.Corrupt;
            var incomplete = point.Verification == RollbackPointVerification.Incomplete;
            var sumsPath = Path.Combine(point.Path, RollbackManifest.ChecksumsFileName);
            var listed = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!File.Exists(sumsPath))
            {
                problems.Add($"{RollbackManifest.ChecksumsFileName} is missing");
                incomplete = true;
            }
            else
            {
                foreach (var line in (await File.ReadAllTextAsync(sumsPath, cancellationToken).ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var match = SumsLine.Match(line);
                    if (!match.Success || !listed.TryAdd(match.Groups["path"].Value, match.Groups["hash"].Value))
                    {
                        problems.Add($"{RollbackManifest.ChecksumsFileName} has a line that is not 'sha256  path': {line.Trim()}");
                        corrupt = true;
                    }
                }
            }

            var done = 0;
            foreach (var (file, expected) in listed)
            {
                reporter.Progress(new OperationProgress($"Checking restore point {point.Timestamp}", file, done++ * 100 / Math.Max(1, listed.Count)));
                var full = Path.Combine(point.Path, file);
                if (!File.Exists(full))
                {
                    problems.Add($"{file} is missing");
                    incomplete = true;
                }
                else if (await ChecksumFile.ComputeAsync(full, cancellationToken).ConfigureAwait(false) != expected)
                {
                    problems.Add($"{file} does not match its checksum");
                    corrupt = true;
                }
            }

            reporter.Progress(new OperationProgress($"Checking restore point {point.Timestamp}", "Done", 100, Completed: true));
            if (listed.Count > 0 && !listed.ContainsKey(RollbackManifest.FileName))
            {
                problems.Add($"{RollbackManifest.ChecksumsFileName} does not list {RollbackManifest.FileName}");
                corrupt = true;
            }

            foreach (var item in point.Items.Where(i => listed.Count > 0 && !listed.ContainsKey(i.File)))
            {
                problems.Add($"{item.File} ({item.Component} {item.Service}) is not in {RollbackManifest.ChecksumsFileName}");
                corrupt = true;
            }

            return Checked(point, corrupt ? RollbackPointVerification.Corrupt : incomplete ? RollbackPointVerification.Incomplete : RollbackPointVerification.Valid,
                problems.Distinct().ToArray(), point.Duration);
        }

        public static async IAsyncEnumerable<RollbackPoint> VerifyAllAsync(IReadOnlyList<RollbackPoint> points, IOperationReporter reporter,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var point in points)
            {
                yield return await VerifyAsync(point, reporter, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Removes all but the newest <paramref name="keep"/> points of the same kind (regular or safety).</summary>
        /// <summary>Removes the unfinished points that New-RollbackPoint runs which were killed left in the folder; says so for each.</summary>
        public static void SweepAbandoned(string root, IOperationReporter reporter)
        {
            foreach (var name in WorkFolder.Sweep(root, RollbackPointFolder.IsTimestamp))
            {
                reporter.Warning($"Removed {Path.Combine(root, name)}, the unfinished restore point of a run that was stopped before it finished.");
            }
        }

        public static IReadOnlyList<string> Prune(string root, int keep, bool safety, IOperationReporter reporter)
        {
            var removed = new List<string>();
            foreach (var point in List(root).Where(p => (p.SafetyFor is not null) == safety && p.Problems.Length == 0).Skip(keep))
            {
                Directory.Delete(point.Path, recursive: true);
                reporter.Verbose($"Removed the restore point {point.Path} (keeping the newest {keep}).");
                removed.Add(point.Path);
            }

            return removed;
        }

        internal static RollbackPoint Checked(RollbackPoint point, RollbackPointVerification verification, string[] problems, TimeSpan duration) => new(point.Timestamp, point.Path)
        {
            Name = point.Name,
            CreatedAt = point.CreatedAt,
            Stack = point.Stack,
            Inventory = point.Inventory,
            SafetyFor = point.SafetyFor,
            Items = point.Items,
            SizeBytes = point.SizeBytes,
            Duration = duration,
            Verification = verification,
            Problems = problems,
        };
    }
}
