using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
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
            Directory.CreateDirectory(folder);
            var temporary = System.IO.Path.Combine(folder, $".{name}.{Guid.NewGuid():N}.partial");
            var checksumWritten = false;
            try
            {
                string sha256;
                long size;
                byte[] header;
                await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                await using (var hashing = new HashingStream(file, HeaderLength))
                {
                    await copy(hashing, cancellationToken).ConfigureAwait(false);
                    await hashing.FlushAsync(cancellationToken).ConfigureAwait(false);
                    file.Flush(flushToDisk: true);
                    (sha256, size, header) = (hashing.Sha256Hex(), hashing.Length, hashing.Header);
                }

                var version = RdbVersion(header, size);
                cancellationToken.ThrowIfCancellationRequested();
                // sha256sum's format: the hash, two spaces, the file name; sha256sum -c in the folder verifies it.
                await File.WriteAllTextAsync(checksumPath, $"{sha256}  {name}\n", new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
                checksumWritten = true;
                File.Move(temporary, path);
                return new RdbBackupFile(path, checksumPath, size, sha256, version);
            }
            catch
            {
                TryDelete(temporary);
                if (checksumWritten)
                {
                    TryDelete(checksumPath);
                }

                throw;
            }
        }

        /// <summary>Throws RedisBackupExists when the file or its sidecar is there already: a backup never overwrites one.</summary>
        public static void ThrowIfTaken(string path)
        {
            foreach (var existing in new[] { path, path + ".sha256" })
            {
                if (File.Exists(existing) || Directory.Exists(existing))
                {
                    throw new OpsRunbookException("RedisBackupExists", FailureCategory.ResourceUnavailable,
                        $"'{existing}' already exists; a backup never overwrites one.", existing,
                        "Give -Path a new file name, or a folder (each backup then gets a name with the server and the time).");
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
                throw Failures.InvalidData("RedisBackupInvalidFile",
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

        /// <summary>Passes writes through, hashing them and keeping the first bytes (the header).</summary>
        private sealed class HashingStream : Stream
        {
            private readonly Stream _inner;
            private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            private readonly byte[] _header;
            private int _headerLength;
            private long _length;

            public HashingStream(Stream inner, int headerLength)
            {
                _inner = inner;
                _header = new byte[headerLength];
            }

            public byte[] Header => _header[.._headerLength];

            public override bool CanRead => false;

            public override bool CanSeek => false;

            public override bool CanWrite => true;

            public override long Length => _length;

            public override long Position
            {
                get => _length;
                set => throw new NotSupportedException();
            }

            public string Sha256Hex() => Convert.ToHexString(_hash.GetCurrentHash()).ToLowerInvariant();

            public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

            public override void Write(ReadOnlySpan<byte> buffer)
            {
                Observe(buffer);
                _inner.Write(buffer);
            }

            public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
            {
                Observe(buffer.Span);
                await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            }

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

            public override void Flush() => _inner.Flush();

            public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _hash.Dispose();
                }

                base.Dispose(disposing);
            }

            private void Observe(ReadOnlySpan<byte> buffer)
            {
                _hash.AppendData(buffer);
                var take = Math.Min(_header.Length - _headerLength, buffer.Length);
                buffer[..take].CopyTo(_header.AsSpan(_headerLength));
                _headerLength += take;
                _length += buffer.Length;
            }
        }
    }
}
