using System;
using System.IO;
using System.Runtime.InteropServices;

namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// Files and folders that hold data, secrets or evidence: created readable by their owner only (0600 and 0700 on
    /// Unix) from the first byte, whatever the umask; on Windows they inherit the folder's ACL. Folders that exist
    /// already (the ones a user names) are left as they are.
    /// </summary>
    public static class PrivateFiles
    {
        public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

        /// <summary>Creates the folder and any missing parents as 0700; returns its full path.</summary>
        public static string CreateFolder(string path) =>
            OperatingSystem.IsWindows() ? Directory.CreateDirectory(path).FullName : Directory.CreateDirectory(path, FolderMode).FullName;

        /// <summary>Creates one folder as 0700 if no file or folder has its name; false when one has (someone else's to keep).</summary>
        public static bool TryCreateFolderExclusively(string path)
        {
            if (OperatingSystem.IsWindows())
            {
                if (Directory.Exists(path) || File.Exists(path))
                {
                    return false;
                }

                Directory.CreateDirectory(path);
                return true;
            }

            if (mkdir(path, 0b111_000_000) == 0)
            {
                return true;
            }

            var error = Marshal.GetLastPInvokeError();
            return error == EEXIST ? false : throw new IOException($"Cannot create the folder '{path}': {Marshal.GetPInvokeErrorMessage(error)}.");
        }

        /// <summary>Options for a new file that only its owner may read: CreateNew, so nothing that exists is overwritten.</summary>
        public static FileStreamOptions NewFile(int bufferSize = 4096, FileOptions options = FileOptions.None, System.IO.FileMode mode = System.IO.FileMode.CreateNew)
        {
            var created = new FileStreamOptions { Mode = mode, Access = FileAccess.Write, Share = FileShare.None, BufferSize = bufferSize, Options = options };
            if (!OperatingSystem.IsWindows())
            {
                created.UnixCreateMode = FileMode;
            }

            return created;
        }

        public static FileStream Create(string path, int bufferSize = 4096, FileOptions options = FileOptions.None) => new(path, NewFile(bufferSize, options));

        /// <summary>Writes a new private file whole and flushes it to disk.</summary>
        public static void Write(string path, ReadOnlySpan<byte> bytes)
        {
            using var stream = Create(path);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        /// <summary>Copies a file to a new private one (File.Copy would give the copy the source's mode).</summary>
        public static void Copy(string source, string destination)
        {
            using var from = new FileStream(source, System.IO.FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            using var to = Create(destination, 1 << 16);
            from.CopyTo(to);
            to.Flush(flushToDisk: true);
        }

        private const int EEXIST = 17;

        [DllImport("libc", SetLastError = true)]
        private static extern int mkdir(string path, uint mode);
    }
}
