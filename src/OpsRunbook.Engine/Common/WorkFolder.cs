using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// A hidden folder (".name.partial") that one writer claims for what it writes until the renames that commit it:
    /// made exclusively (0700), with a lock file beside it (".name.partial.lock") held open for as long as the writer
    /// lives. A writer that is killed leaves the folder with its lock free, and the next writer in the same place
    /// removes it.
    /// </summary>
    internal sealed class WorkFolder : IDisposable
    {
        public const string Suffix = ".partial";
        private const string LockSuffix = ".lock";

        // A folder made a moment ago may not hold its lock file yet: it counts as in use for this long.
        private static readonly TimeSpan Youth = TimeSpan.FromMinutes(1);

        private readonly FileStream _lock;

        private WorkFolder(string path, FileStream held)
        {
            Path = path;
            _lock = held;
        }

        public string Path { get; }

        public static string NameFor(string finalName) => $".{finalName}{Suffix}";

        /// <summary>Claims the work folder of <paramref name="finalName"/> in <paramref name="parent"/>; null when a live writer has it.</summary>
        public static WorkFolder? TryClaim(string parent, string finalName)
        {
            var path = System.IO.Path.Combine(parent, NameFor(finalName));
            for (var attempt = 0; attempt < 2; attempt++)
            {
                if (PrivateFiles.TryCreateFolderExclusively(path))
                {
                    if (Hold(path + LockSuffix) is { } held)
                    {
                        return new WorkFolder(path, held);
                    }

                    Directory.Delete(path);
                    return null;
                }

                if (!IsAbandoned(path))
                {
                    return null;
                }

                Remove(path);
            }

            return null;
        }

        /// <summary>Removes the abandoned work folders in <paramref name="parent"/> whose final names are ours; returns their names.</summary>
        /// <param name="isOurs">Whether a final name is one this kind of writer gives (the folder may hold other programs' work).</param>
        public static IReadOnlyList<string> Sweep(string parent, Func<string, bool> isOurs)
        {
            if (!Directory.Exists(parent))
            {
                return Array.Empty<string>();
            }

            var removed = new List<string>();
            var claims = Directory.EnumerateDirectories(parent, "." + "*" + Suffix)
                .Concat(Directory.EnumerateFiles(parent, "." + "*" + Suffix + LockSuffix).Select(l => l[..^LockSuffix.Length]))
                .Distinct(StringComparer.Ordinal)
                .Where(f => isOurs(System.IO.Path.GetFileName(f)[1..^Suffix.Length]))
                .ToList();
            foreach (var folder in claims.Where(IsAbandoned))
            {
                try
                {
                    var existed = Directory.Exists(folder);
                    Remove(folder);
                    if (existed)
                    {
                        removed.Add(System.IO.Path.GetFileName(folder));
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Someone else's to remove, or gone already.
                }
            }

            return removed;
        }

        /// <summary>True when no live writer holds the folder's lock (and it is not one made a moment ago).</summary>
        public static bool IsAbandoned(string path)
        {
            var lockPath = path + LockSuffix;
            if (!File.Exists(lockPath))
            {
                return Directory.Exists(path) && DateTime.UtcNow - Directory.GetCreationTimeUtc(path) > Youth;
            }

            using var held = Hold(lockPath);
            return held is not null;
        }

        /// <summary>Ends the claim: the folder (unless it was renamed into place) and whatever is left in it go, then the lock.</summary>
        public void Dispose()
        {
            try
            {
                Remove(Path);
            }
            finally
            {
                _lock.Dispose();
            }
        }

        // The folder first, the lock file last: while the folder exists, its lock says whose it is.
        private static void Remove(string path)
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }

            File.Delete(path + LockSuffix);
        }

        // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix: released by the kernel when the process dies.
        private static FileStream? Hold(string path)
        {
            try
            {
                var options = PrivateFiles.NewFile(mode: FileMode.OpenOrCreate);
                options.Access = FileAccess.ReadWrite;
                return new FileStream(path, options);
            }
            catch (IOException) when (File.Exists(path))
            {
                return null;
            }
        }
    }
}
