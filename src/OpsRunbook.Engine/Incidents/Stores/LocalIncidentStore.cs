using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Incidents.Stores
{
    /// <summary>
    /// Incidents in a folder: &lt;Id&gt;.jsonl is the incident's append-only log (one JSON entry a line), &lt;Id&gt;.lock
    /// the file whose exclusive lock writers hold while they stamp and append. An Id is claimed by creating its log
    /// exclusively (O_EXCL), so two processes opening incidents at the same moment get different Ids. Each append
    /// is flushed to disk before it returns.
    /// </summary>
    public sealed class LocalIncidentStore : IIncidentStore
    {
        public const string LogExtension = ".jsonl";

        private const string LockExtension = ".lock";

        private static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);

        private readonly TimeSpan _lockTimeout;

        public LocalIncidentStore(string folder, TimeSpan? lockTimeout = null)
        {
            Folder = Path.GetFullPath(folder);
            _lockTimeout = lockTimeout ?? DefaultLockTimeout;
        }

        public string Folder { get; }

        public string Location => Folder;

        public Task<string> OpenAsync(IReadOnlyList<IncidentEntry> entries, CancellationToken cancellationToken)
        {
            CreateFolder();
            var now = DateTimeOffset.UtcNow;
            var prefix = IncidentId.DayPrefix(now);
            var number = LastNumber(prefix);
            for (var attempt = 0; attempt < 10_000; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var id = IncidentId.Format(now, ++number);
                FileStream log;
                try
                {
                    var created = PrivateFiles.NewFile();
                    created.Share = FileShare.ReadWrite;
                    log = new FileStream(LogPath(id), created);
                }
                catch (IOException) when (File.Exists(LogPath(id)))
                {
                    continue; // another process took this number first
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw StoreFailures.Unwritable(Location, ex);
                }

                try
                {
                    using (log)
                    {
                        Write(log, Stamp(entries, null, now));
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // An empty log reads as not found; removing it leaves no trace of the attempt.
                    TryDelete(LogPath(id));
                    throw StoreFailures.Unwritable(Location, ex);
                }

                return Task.FromResult(id);
            }

            throw StoreFailures.Unwritable(Location, new IOException($"no free incident number for {prefix}"));
        }

        public async Task<IReadOnlyList<IncidentEntry>> AppendAsync(string id, IReadOnlyList<IncidentEntry> entries,
            Action<IReadOnlyList<IncidentEntry>>? check, CancellationToken cancellationToken)
        {
            var path = ExistingLog(id);
            using var writeLock = await LockAsync(id, cancellationToken).ConfigureAwait(false);
            try
            {
                using var log = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
                IncidentEntry? last;
                if (check is not null)
                {
                    var all = ReadEntries(log);
                    check(all);
                    last = all.LastOrDefault();
                }
                else
                {
                    last = ReadLastEntry(log);
                }

                var stamped = Stamp(entries, last, DateTimeOffset.UtcNow);
                Write(log, stamped);
                return stamped;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw StoreFailures.Unwritable(Location, ex);
            }
        }

        public Task<IReadOnlyList<IncidentEntry>> ReadAsync(string id, CancellationToken cancellationToken)
        {
            var path = ExistingLog(id);
            try
            {
                using var log = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var entries = ReadEntries(log);
                return entries.Count > 0 && entries[0].Kind == IncidentEventKind.Opened
                    ? Task.FromResult(entries)
                    : throw StoreFailures.NotFound(id, Location); // still being opened by another process
            }
            catch (FileNotFoundException)
            {
                throw StoreFailures.NotFound(id, Location);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw StoreFailures.Unreadable(Location, ex);
            }
        }

        public Task<IReadOnlyList<string>> ListAsync(DateTimeOffset? openedSince, CancellationToken cancellationToken)
        {
            if (!Directory.Exists(Folder))
            {
                return Task.FromResult<IReadOnlyList<string>>(Array.Empty<string>());
            }

            // Ids carry their UTC day: days before the one asked for need not be read at all.
            var firstDay = openedSince is { } since ? IncidentId.DayPrefix(since) : null;
            try
            {
                IReadOnlyList<string> ids = Directory.EnumerateFiles(Folder, IncidentId.Prefix + "*" + LogExtension)
                    .Select(p => Path.GetFileNameWithoutExtension(p)!)
                    .Where(id => firstDay is null || string.CompareOrdinal(id, firstDay) >= 0)
                    .OrderBy(id => id, StringComparer.Ordinal)
                    .ToList();
                return Task.FromResult(ids);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw StoreFailures.Unreadable(Location, ex);
            }
        }

        private string LogPath(string id) => Path.Combine(Folder, id + LogExtension);

        private string ExistingLog(string id)
        {
            var path = LogPath(IncidentId.Check(id));
            return File.Exists(path) ? path : throw StoreFailures.NotFound(id, Location);
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // It stays, empty: readers take it for an incident still being opened.
            }
        }

        private void CreateFolder()
        {
            try
            {
                PrivateFiles.CreateFolder(Folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw StoreFailures.Unwritable(Location, ex);
            }
        }

        // Where to start looking for a free number: numbers are claimed, never given back.
        private int LastNumber(string prefix)
        {
            try
            {
                return Directory.EnumerateFiles(Folder, prefix + "*" + LogExtension)
                    .Select(p => IncidentId.NumberOf(Path.GetFileNameWithoutExtension(p)!, prefix) ?? 0)
                    .DefaultIfEmpty(0)
                    .Max();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw StoreFailures.Unreadable(Location, ex);
            }
        }

        /// <summary>
        /// The exclusive lock of one incident's writers: an exclusive open of its lock file (flock on Linux, a
        /// sharing lock on Windows). Contended locks are retried with short random waits, up to the lock timeout.
        /// </summary>
        private async Task<FileStream> LockAsync(string id, CancellationToken cancellationToken)
        {
            var path = Path.Combine(Folder, id + LockExtension);
            var clock = Stopwatch.StartNew();
            var wait = 1;
            while (true)
            {
                try
                {
                    var options = PrivateFiles.NewFile(mode: FileMode.OpenOrCreate);
                    options.Access = FileAccess.ReadWrite;
                    return new FileStream(path, options);
                }
                catch (IOException ex) when (IsLockContention(ex))
                {
                    if (clock.Elapsed > _lockTimeout)
                    {
                        throw StoreFailures.Busy(id, Location, _lockTimeout);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw StoreFailures.Unwritable(Location, ex);
                }

                await Task.Delay(Random.Shared.Next(1, wait + 1), cancellationToken).ConfigureAwait(false);
                wait = Math.Min(wait * 2, 25);
            }
        }

        // EWOULDBLOCK from flock (11 on Linux, 35 on macOS), or Windows' sharing and lock violations.
        private static bool IsLockContention(IOException exception) =>
            exception is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException) &&
            exception.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

        /// <summary>Sequence numbers after the last entry's; times never earlier than it, nor equal.</summary>
        private static IReadOnlyList<IncidentEntry> Stamp(IReadOnlyList<IncidentEntry> entries, IncidentEntry? last, DateTimeOffset now)
        {
            var sequence = last?.Sequence ?? 0;
            var time = last is null || now > last.Time ? now : last.Time.AddTicks(1);
            var stamped = new List<IncidentEntry>(entries.Count);
            foreach (var entry in entries)
            {
                stamped.Add(entry with { Sequence = ++sequence, Time = time });
                time = time.AddTicks(1);
            }

            return stamped;
        }

        /// <summary>One write of whole lines, then a flush to the disk. A log that ends in a torn line is ended first.</summary>
        private static void Write(FileStream log, IReadOnlyList<IncidentEntry> entries)
        {
            var text = new StringBuilder();
            if (log.Length > 0)
            {
                log.Seek(-1, SeekOrigin.End);
                if (log.ReadByte() != '\n')
                {
                    text.Append('\n');
                }
            }

            foreach (var entry in entries)
            {
                text.Append(entry.ToJson()).Append('\n');
            }

            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            log.Seek(0, SeekOrigin.End);
            log.Write(bytes);
            log.Flush(flushToDisk: true);
        }

        /// <summary>
        /// Every complete line that parses. A line cut short by a crash (or still being written) was never
        /// acknowledged to its writer: it is left out.
        /// </summary>
        private static IReadOnlyList<IncidentEntry> ReadEntries(FileStream log)
        {
            log.Seek(0, SeekOrigin.Begin);
            var buffer = new byte[log.Length];
            log.ReadExactly(buffer);
            return Parse(buffer, buffer.Length);
        }

        private static IncidentEntry? ReadLastEntry(FileStream log)
        {
            // Entries are short: the last one is almost always in the last 64 KB; when it is not, read it all.
            for (var size = 64 * 1024L; ; size *= 4)
            {
                var start = Math.Max(0, log.Length - size);
                log.Seek(start, SeekOrigin.Begin);
                var buffer = new byte[log.Length - start];
                log.ReadExactly(buffer);
                var firstNewline = start == 0 ? -1 : Array.IndexOf(buffer, (byte)'\n');
                var entries = Parse(buffer.AsSpan(firstNewline + 1).ToArray(), buffer.Length - firstNewline - 1);
                if (entries.Count > 0 || start == 0)
                {
                    return entries.LastOrDefault();
                }
            }
        }

        private static IReadOnlyList<IncidentEntry> Parse(byte[] buffer, int length)
        {
            var entries = new List<IncidentEntry>();
            var start = 0;
            for (var i = 0; i < length; i++)
            {
                if (buffer[i] != '\n')
                {
                    continue;
                }

                if (i > start)
                {
                    try
                    {
                        entries.Add(IncidentEntry.FromJson(Encoding.UTF8.GetString(buffer, start, i - start)));
                    }
                    catch (JsonException)
                    {
                        // a torn line
                    }
                }

                start = i + 1;
            }

            return entries;
        }
    }
}
