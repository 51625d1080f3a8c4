using System;
using System.IO;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace OpsRunbook.Engine.Common
{
    /// <summary>The `.sha256` sidecar in sha256sum's format ("HASH  name"), so `sha256sum -c` checks it.</summary>
    public static class ChecksumFile
    {
        private static readonly Regex Line = new(@"^(?<hash>[0-9a-fA-F]{64})\s+\*?(?<name>.+?)\s*$", RegexOptions.CultureInvariant | RegexOptions.Multiline);

        public static string SidecarPath(string backupPath) => backupPath + ".sha256";

        public static string Format(string sha256, string backupPath) => $"{sha256}  {Path.GetFileName(backupPath)}\n";

        /// <summary>The hash the sidecar records for the file, or null when there is no sidecar or it names another file.</summary>
        public static string? Read(string backupPath)
        {
            var sidecar = SidecarPath(backupPath);
            if (!File.Exists(sidecar))
            {
                return null;
            }

            foreach (Match match in Line.Matches(File.ReadAllText(sidecar)))
            {
                if (Path.GetFileName(match.Groups["name"].Value) == Path.GetFileName(backupPath))
                {
                    return match.Groups["hash"].Value.ToLowerInvariant();
                }
            }

            return null;
        }

        public static async Task<string> ComputeAsync(string path, CancellationToken cancellationToken)
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);
            return Convert.ToHexString(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false)).ToLowerInvariant();
        }
    }
}
