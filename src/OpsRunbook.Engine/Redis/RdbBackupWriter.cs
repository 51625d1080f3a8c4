using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>The file an <see cref="RdbBackupWriter"/> wrote.</summary>
    public sealed record RdbBackupFile(string Path, string ChecksumPath, long SizeBytes, string Sha256, int RdbVersion);

    /// <summary>
    /// Writes an RDB snapshot so that only a whole, checked one ever carries the backup's name: the bytes go to a
    /// hidden temporary file in the same folder (hashed on the way), the header must read REDIS and a version,
    /// the checksum goes beside it as &lt;file&gt;.sha256 in sha256sum's format, and only then is the file renamed.
    /// Anything that fails or is cancelled on the way removes what was written.
    /// </summary>
    public static class RdbBackupWriter
    {
        private const int HeaderLength = 9;

        /// <param name="copy">Writes the snapshot's bytes into the stream it is given.</param>
        public static async Task<RdbBackupFile> WriteAsync(string path, Func<Stream, CancellationToken, Task> copy, CancellationToken cancellationToken)
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
            var name = System.IO.Path.GetFileName(path);
            var checksumPath = path + ".sha256";
            ThrowIfTaken(path);
            PrivateFiles.CreateFolder(folder);
            WorkFolder.Sweep(folder, n => n == name || n.EndsWith(".rdb", StringComparison.Ordinal));
            using var work = WorkFolder.TryClaim(folder, name) ?? throw Taken(path);
            var temporary = System.IO.Path.Combine(work.Path, "rdb");
            var temporaryChecksum = System.IO.Path.Combine(work.Path, "sha256");
            var checksumWritten = false;
            try
            {
                string sha256;
                long size;
                byte[] header;
                await using (var file = PrivateFiles.Create(temporary, 1 << 16, FileOptions.Asynchronous))
                await using (var hashing = new HashingStream(file, HeaderLength))
                {
                    await copy(hashing, cancellationToken).ConfigureAwait(false);
                    await hashing.FlushAsync(cancellationToken).ConfigureAwait(false);
                    file.Flush(flushToDisk: true);
                    (sha256, size, header) = (hashing.Finish(), hashing.BytesWritten, hashing.Header);
                }

                var version = RdbVersion(header, size);
                cancellationToken.ThrowIfCancellationRequested();
                // sha256sum's format: the hash, two spaces, the file name; sha256sum -c in the folder verifies it.
                PrivateFiles.Write(temporaryChecksum, new UTF8Encoding(false).GetBytes(ChecksumFile.Format(sha256, path)));
                ThrowIfTaken(path);
                File.Move(temporaryChecksum, checksumPath);
                checksumWritten = true;
                File.Move(temporary, path);
                return new RdbBackupFile(path, checksumPath, size, sha256, version);
            }
            catch
            {
                if (checksumWritten)
                {
                    TryDelete(checksumPath);
                }

                throw;
            }
        }

        private static OpsRunbookException Taken(string existing) =>
            new(RedisErrors.RedisBackupExists, FailureCategory.ResourceUnavailable,
                $"'{existing}' already exists, or is being written; a backup never overwrites one.", existing,
                "Give -Path a new file name, or a folder (each backup then gets a name with the server and the time).");

        /// <summary>Throws RedisBackupExists when the file or its sidecar is there already: a backup never overwrites one.</summary>
        public static void ThrowIfTaken(string path)
        {
            foreach (var existing in new[] { path, path + ".sha256" })
            {
                if (File.Exists(existing) || Directory.Exists(existing))
                {
                    throw Taken(existing);
                }
            }
        }

        /// <summary>The version of an RDB header (REDIS0010 is 10). Throws RedisBackupInvalidFile for anything else.</summary>
        public static int RdbVersion(ReadOnlySpan<byte> header, long size)
        {
            var magic = "REDIS"u8;
            if (header.Length < HeaderLength || !header[..5].SequenceEqual(magic) || !IsDigits(header[5..HeaderLength]))
            {
                var shown = header.Length == 0 ? "nothing (the file is empty)"
                    : $"'{Printable(header)}'";
                throw Failures.InvalidData(RedisErrors.RedisBackupInvalidFile,
                    $"The copied snapshot is not an RDB file: it starts with {shown} instead of REDIS and a version ({size} bytes).", null,
                    "Check that dir and dbfilename (CONFIG GET) name the server's RDB file, and that nothing else writes there.");
            }

            return int.Parse(Encoding.ASCII.GetString(header[5..HeaderLength]), NumberStyles.None, CultureInfo.InvariantCulture);
        }

        private static bool IsDigits(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
            {
                if (b is < (byte)'0' or > (byte)'9')
                {
                    return false;
                }
            }

            return true;
        }

        private static string Printable(ReadOnlySpan<byte> bytes)
        {
            var text = new StringBuilder();
            foreach (var b in bytes)
            {
                text.Append(b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}");
            }

            return text.ToString();
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
