using System;
using System.IO;
using System.IO.Compression;
using System.Threading;
using System.Threading.Tasks;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>
    /// Receives a run of whole lines (each ending in \n, the last of the file perhaps not) and how many lines came before
    /// it; returns how many newlines the run has when it counted them anyway, or -1 to have the reader count them.
    /// </summary>
    public delegate int LineChunkHandler(ReadOnlySpan<byte> lines, long linesBefore);

    /// <summary>
    /// Reads a log file in chunks of whole lines with a fixed buffer, so memory stays flat however large the file;
    /// gzip-compressed files (rotated app.log.1.gz) are recognised by their magic bytes and read decompressed.
    /// </summary>
    public static class LogFileReader
    {
        private const int ChunkBytes = 1 << 20;
        private const int MaxLineBytes = 64 << 20;

        /// <returns>How many lines the file has.</returns>
        public static async Task<long> ReadAsync(string path, LineChunkHandler handler, CancellationToken cancellationToken)
        {
            await using var stream = Open(path);
            var buffer = new byte[ChunkBytes];
            var filled = 0;
            long lines = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException ex)
                {
                    throw Unreadable(path, $"its gzip data is damaged after line {lines}: {ex.Message}", FailureCategory.InvalidData, ex);
                }
                catch (IOException ex)
                {
                    throw Unreadable(path, ex.Message, FailureCategory.ReadError, ex);
                }

                if (read == 0)
                {
                    if (filled > 0)
                    {
                        handler(buffer.AsSpan(0, filled), lines);
                        lines++;
                    }

                    return lines;
                }

                filled += read;
                var lastNewline = buffer.AsSpan(0, filled).LastIndexOf((byte)'\n');
                if (lastNewline < 0)
                {
                    if (filled == buffer.Length)
                    {
                        if (buffer.Length >= MaxLineBytes)
                        {
                            throw Unreadable(path, $"line {lines + 1} is longer than {MaxLineBytes >> 20} MB; it is not a text log", FailureCategory.InvalidData, null);
                        }

                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    continue;
                }

                var chunk = buffer.AsSpan(0, lastNewline + 1);
                var counted = handler(chunk, lines);
                lines += counted >= 0 ? counted : chunk.Count((byte)'\n');
                var rest = filled - (lastNewline + 1);
                buffer.AsSpan(lastNewline + 1, rest).CopyTo(buffer);
                filled = rest;
            }
        }

        private static Stream Open(string path)
        {
            FileStream file;
            try
            {
                if (Directory.Exists(path))
                {
                    throw Unreadable(path, "it is a directory", FailureCategory.InvalidArgument, null);
                }

                file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0,
                    FileOptions.Asynchronous | FileOptions.SequentialScan);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new OpsRunbookException(ObservabilityErrors.LogFileNotFound, FailureCategory.ObjectNotFound, $"The log file '{path}' does not exist.", path,
                    "Check the path; wildcards such as /var/log/app/app.log* take the rotated files too.", ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw Unreadable(path, "permission denied", FailureCategory.PermissionDenied, ex);
            }
            catch (IOException ex)
            {
                throw Unreadable(path, ex.Message, FailureCategory.ReadError, ex);
            }

            // gzip's magic bytes, whatever the file is called.
            Span<byte> magic = stackalloc byte[2];
            var count = file.Read(magic);
            file.Position = 0;
            return count == 2 && magic[0] == 0x1f && magic[1] == 0x8b
                ? new GZipStream(new BufferedStream(file, 1 << 16), CompressionMode.Decompress, leaveOpen: false)
                : file;
        }

        private static OpsRunbookException Unreadable(string path, string reason, FailureCategory category, Exception? inner) =>
            new(ObservabilityErrors.LogFileUnreadable, category, $"The log file '{path}' cannot be read: {reason}.", path,
                category == FailureCategory.PermissionDenied ? "Run as a user who may read it (sudo), or check its permissions."
                    : "Check the file: a text log, or a gzip-compressed one.", inner);
    }
}
