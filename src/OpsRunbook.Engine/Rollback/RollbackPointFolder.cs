using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace OpsRunbook.Engine.Rollback
{
    /// <summary>How restore points are laid out: backups/&lt;yyyyMMdd_HHmmss&gt;/, as seed 003's backup.sh makes them.</summary>
    public static class RollbackPointFolder
    {
        public const string TimestampFormat = "yyyyMMdd_HHmmss";

        public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

        public static bool IsTimestamp(string name) =>
            DateTime.TryParseExact(name, TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

        public static DateTimeOffset ParseTimestamp(string timestamp) =>
            new(DateTime.SpecifyKind(DateTime.ParseExact(timestamp, TimestampFormat, CultureInfo.InvariantCulture), DateTimeKind.Utc));

        public static string TemporaryPath(string root, string timestamp) => Path.Combine(root, $".{timestamp}.partial");

        public static string Relative(string folder, string path) => Path.GetRelativePath(folder, path).Replace('\\', '/');

        /// <summary>A service name as a file name: what is not a letter, digit, dot, dash or underscore becomes an underscore.</summary>
        public static string SafeName(string name) =>
            new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
    }
}
