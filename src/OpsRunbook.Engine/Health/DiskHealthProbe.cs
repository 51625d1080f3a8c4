using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Health
{
    /// <summary>How full a file system may get: Degraded and Unhealthy from these shares of its space used.</summary>
    public sealed record DiskThresholds(double DegradedPercent, double UnhealthyPercent)
    {
        /// <summary>Seed 001's disk-full scenario: warn at 80%, act at 95%.</summary>
        public static DiskThresholds Default { get; } = new(80, 95);

        public DiskThresholds Validate() =>
            DegradedPercent is >= 0 and <= 100 && UnhealthyPercent is >= 0 and <= 100 && DegradedPercent <= UnhealthyPercent
                ? this
                : throw Failures.InvalidArgument(HealthErrors.InvalidDiskThreshold,
                    $"The disk thresholds {DegradedPercent}% (Degraded) and {UnhealthyPercent}% (Unhealthy) are not two shares of 0-100 in that order.",
                    $"{DegradedPercent}/{UnhealthyPercent}", "Give -DegradedPercent at most -UnhealthyPercent, both between 0 and 100.");
    }

    /// <summary>The used and free space of the file system holding a path, as df computes its Use%.</summary>
    internal sealed class DiskHealthProbe : HealthProbe
    {
        private readonly string _path;
        private readonly DiskThresholds _thresholds;

        public DiskHealthProbe(string path, DiskThresholds thresholds)
        {
            _path = path;
            _thresholds = thresholds;
        }

        public override ServiceKind Kind => ServiceKind.Disk;

        public override string DisplayTarget => _path;

        public override string DefaultName => _path;

        public override IEnumerable<string?> Secrets => Enumerable.Empty<string?>();

        /// <summary>Checks the path now, so a mistyped -Path is an error at once rather than an Unhealthy result.</summary>
        public static string ExistingPath(string text)
        {
            var path = text.StartsWith("disk://", StringComparison.OrdinalIgnoreCase) ? text["disk://".Length..] : text;
            if (path.Length == 0 || !(Directory.Exists(path) || File.Exists(path)))
            {
                throw new OpsRunbookException(CommonErrors.PathNotFound, FailureCategory.ObjectNotFound,
                    $"The path '{text}' does not exist, so the space of its file system cannot be read.", text,
                    "Give an existing directory or mount point, such as / or /var/lib/postgresql.");
            }

            return Path.GetFullPath(path);
        }

        public override Task<ProbeOutcome> ProbeAsync(ProbeContext context, CancellationToken cancellationToken)
        {
            // statvfs answers at once; only a hung network mount would block, and the checker's deadline covers that.
            return Task.Run(() => Measure(), cancellationToken);
        }

        private ProbeOutcome Measure()
        {
            var drive = new DriveInfo(_path);
            long total = drive.TotalSize, free = drive.TotalFreeSpace, available = drive.AvailableFreeSpace;
            var used = total - free;
            // df's Use%: used over what non-root users can have, so reserved blocks count as unavailable.
            var usedPercent = used + available > 0 ? Math.Round(100.0 * used / (used + available), 2) : 0;
            var status = usedPercent >= _thresholds.UnhealthyPercent ? HealthStatus.Unhealthy
                : usedPercent >= _thresholds.DegradedPercent ? HealthStatus.Degraded
                : HealthStatus.Healthy;
            var mount = MountPointOf(_path);
            var error = status == HealthStatus.Healthy ? null
                : string.Format(CultureInfo.InvariantCulture, "{0} is {1:0.#}% full ({2} free), at or above {3:0.#}%",
                    mount ?? _path, usedPercent, ByteText(available),
                    status == HealthStatus.Unhealthy ? _thresholds.UnhealthyPercent : _thresholds.DegradedPercent);
            return new ProbeOutcome(status, error)
            {
                Details = new[]
                {
                    new KeyValuePair<string, object?>("UsedPercent", usedPercent),
                    new KeyValuePair<string, object?>("UsedBytes", used),
                    new KeyValuePair<string, object?>("FreeBytes", available),
                    new KeyValuePair<string, object?>("TotalBytes", total),
                    new KeyValuePair<string, object?>("MountPoint", mount),
                    new KeyValuePair<string, object?>("FileSystem", SafeFormat(drive)),
                    new KeyValuePair<string, object?>("DegradedPercent", _thresholds.DegradedPercent),
                    new KeyValuePair<string, object?>("UnhealthyPercent", _thresholds.UnhealthyPercent),
                },
            };
        }

        private static string? SafeFormat(DriveInfo drive)
        {
            try
            {
                return drive.DriveFormat;
            }
            catch (IOException)
            {
                return null;
            }
        }

        /// <summary>The longest mount point of /proc/self/mountinfo that holds the path (Linux); null elsewhere.</summary>
        private static string? MountPointOf(string path)
        {
            const string MountInfo = "/proc/self/mountinfo";
            if (!File.Exists(MountInfo))
            {
                return null;
            }

            string? best = null;
            foreach (var line in File.ReadLines(MountInfo))
            {
                var fields = line.Split(' ');
                if (fields.Length < 5)
                {
                    continue;
                }

                // Spaces and other odd characters in mount points are written as octal escapes (\040).
                var mount = System.Text.RegularExpressions.Regex.Replace(fields[4], @"\\([0-7]{3})",
                    m => ((char)System.Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
                var within = mount == "/" || path == mount || path.StartsWith(mount + "/", StringComparison.Ordinal);
                if (within && (best is null || mount.Length > best.Length))
                {
                    best = mount;
                }
            }

            return best;
        }

        private static string ByteText(long bytes) => bytes switch
        {
            >= 1L << 30 => string.Format(CultureInfo.InvariantCulture, "{0:0.#} GiB", bytes / (double)(1L << 30)),
            >= 1L << 20 => string.Format(CultureInfo.InvariantCulture, "{0:0.#} MiB", bytes / (double)(1L << 20)),
            _ => string.Format(CultureInfo.InvariantCulture, "{0:0.#} KiB", bytes / 1024.0),
        };
    }
}
