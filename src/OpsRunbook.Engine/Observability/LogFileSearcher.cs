using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Buffers;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>A matching line; Decided is false when a -Filter script block still has to look at it.</summary>
    public readonly record struct LogMatch(LogEntry Entry, bool Decided);

    /// <summary>What to look for in log files.</summary>
    /// <param name="Predicate">The engine's translation of -Filter, or null.</param>
    /// <param name="HasScriptFilter">A -Filter script block exists: entries its predicate cannot decide go to it.</param>
    public sealed record LogSearchRequest(LogFilter Filter, LogPredicate? Predicate, bool HasScriptFilter);

    /// <summary>What one file's search read and found.</summary>
    public sealed record LogSearchSummary(string Path, long Lines, long Parsed, long Malformed, long FirstMalformedLine, long Matched, TimeSpan Elapsed);

    /// <summary>
    /// Searches JSON-lines (or key=value) log files, plain or gzip-compressed, streaming with a fixed buffer: raw bytes
    /// are ruled out first (<see cref="LogBytePrefilter"/>), and only the lines left are decoded and parsed by the one
    /// <see cref="LogLineParser"/>, then filtered by the same <see cref="LogFilter"/> as container logs. Lines that are
    /// neither JSON nor key=value are counted as malformed and searched as plain text; they never stop the search.
    /// </summary>
    public sealed class LogFileSearcher
    {
        public const int BatchSize = 256;

        private readonly LogSearchRequest _request;
        private readonly LogBytePrefilter? _prefilter;

        public LogFileSearcher(LogSearchRequest request)
        {
            _request = request;
            _prefilter = LogBytePrefilter.For(request.Filter);
        }

        /// <param name="sink">Receives the matches in batches, in file order; it may block to slow the search down.</param>
        public async Task<LogSearchSummary> SearchAsync(string path, Action<IReadOnlyList<LogMatch>> sink, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            if (reporter.IsVerbose)
            {
                reporter.Verbose($"Searching {path}{(_prefilter is null ? string.Empty : " (lines ruled out by their bytes first)")}.");
            }

            var clock = Stopwatch.StartNew();
            var state = new FileState(path, sink);
            // Two stages on two threads, as grep | jq runs as two processes: one reads and rules out lines by their
            // bytes, the other parses what is left. A few pieces of work in between keep memory flat.
            var work = Channel.CreateBounded<Work>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            long bytesRead = 0;
            var reading = Task.Run(async () =>
            {
                try
                {
                    var lines = await LogFileReader.ReadAsync(path, (chunk, linesBefore) =>
                    {
                        bytesRead += chunk.Length;
                        var newlines = -1;
                        var piece = _prefilter is null ? Work.WholeChunk(chunk, linesBefore) : Candidates(chunk, linesBefore, out newlines);
                        if (piece is not null)
                        {
                            // The reader's callback is synchronous (it works on spans): wait here when the parser is behind.
                            work.Writer.WriteAsync(piece, stop.Token).AsTask().GetAwaiter().GetResult();
                        }

                        reporter.Progress(new OperationProgress($"Searching {path}", $"{Interlocked.Read(ref bytesRead) / (1 << 20):N0} MB read, {state.Matched:N0} matches", -1));
                        return newlines;
                    }, stop.Token).ConfigureAwait(false);
                    work.Writer.TryComplete();
                    return lines;
                }
                catch (Exception ex)
                {
                    work.Writer.TryComplete(ex);
                    throw;
                }
            }, stop.Token);

            try
            {
                await foreach (var piece in work.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    try
                    {
                        piece.Parse(this, state);
                    }
                    finally
                    {
                        piece.Return();
                    }
                }
            }
            catch
            {
                // The parsing stage failed or was stopped: stop the reading stage too before leaving.
                stop.Cancel();
                await reading.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                throw;
            }

            var total = await reading.ConfigureAwait(false);
            state.Flush();
            reporter.Progress(new OperationProgress($"Searching {path}", "Done", 100, Completed: true));

            var summary = new LogSearchSummary(path, total, state.Parsed, state.Malformed, state.FirstMalformed, state.Matched, clock.Elapsed);
            if (summary.Malformed > 0)
            {
                reporter.Warning(string.Format(CultureInfo.InvariantCulture,
                    "{0}: {1:N0} malformed lines (neither JSON nor key=value), the first at line {2:N0}, among the {3:N0} lines parsed; they were searched as plain text.",
                    path, summary.Malformed, summary.FirstMalformedLine, summary.Parsed));
            }

            if (reporter.IsVerbose)
            {
                reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "{0}: {1:N0} lines, {2:N0} parsed, {3:N0} matched, in {4:0.###} s.",
                    path, total, summary.Parsed, summary.Matched, clock.Elapsed.TotalSeconds));
            }

            return summary;
        }

        // The reading stage's per-thread scratch: the lower-cased chunk and the candidates found in it.
        [ThreadStatic]
        private static byte[]? t_lowered;

        [ThreadStatic]
        private static List<(int Start, int Length)>? t_candidates;

        private Work? Candidates(ReadOnlySpan<byte> chunk, long linesBefore, out int newlines)
        {
            var lowered = t_lowered is { } buffer && buffer.Length >= chunk.Length ? buffer : t_lowered = new byte[Math.Max(chunk.Length, 1 << 20)];
            var candidates = t_candidates ??= new List<(int Start, int Length)>();
            var lower = lowered.AsSpan(0, chunk.Length);
            LogBytePrefilter.ToLowerAscii(chunk, lower, out newlines, out var hasBackslash);
            candidates.Clear();
            _prefilter!.FindCandidates(lower, candidates, hasBackslash);
            return candidates.Count == 0 ? null : Work.Lines(chunk, linesBefore, candidates);
        }

        private void ParseEveryLine(ReadOnlySpan<byte> chunk, long linesBefore, FileState state)
        {
            var lineNumber = linesBefore;
            while (chunk.Length > 0)
            {
                var end = chunk.IndexOf((byte)'\n');
                var line = end < 0 ? chunk : chunk[..end];
                Consider(line, ++lineNumber, state);
                chunk = end < 0 ? ReadOnlySpan<byte>.Empty : chunk[(end + 1)..];
            }
        }

        /// <summary>What the reading stage hands the parsing stage: a whole chunk, or the candidate lines of one, with their numbers.</summary>
        private sealed class Work
        {
            private readonly byte[] _bytes;
            private readonly int _length;
            private readonly long _linesBefore;
            private readonly (int Start, int Length, long Number)[]? _lines;

            private Work(byte[] bytes, int length, long linesBefore, (int, int, long)[]? lines)
            {
                _bytes = bytes;
                _length = length;
                _linesBefore = linesBefore;
                _lines = lines;
            }

            public static Work WholeChunk(ReadOnlySpan<byte> chunk, long linesBefore)
            {
                var bytes = ArrayPool<byte>.Shared.Rent(chunk.Length);
                chunk.CopyTo(bytes);
                return new Work(bytes, chunk.Length, linesBefore, null);
            }

            public static Work Lines(ReadOnlySpan<byte> chunk, long linesBefore, List<(int Start, int Length)> candidates)
            {
                var size = 0;
                foreach (var (_, length) in candidates)
                {
                    size += length;
                }

                var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
                var lines = new (int, int, long)[candidates.Count];
                var offset = 0;
                var counted = 0;
                var number = linesBefore;
                for (var i = 0; i < candidates.Count; i++)
                {
                    var (start, length) = candidates[i];
                    number += chunk[counted..start].Count((byte)'\n');
                    counted = start;
                    chunk.Slice(start, length).CopyTo(bytes.AsSpan(offset));
                    lines[i] = (offset, length, number + 1);
                    offset += length;
                }

                return new Work(bytes, size, linesBefore, lines);
            }

            public void Parse(LogFileSearcher searcher, FileState state)
            {
                if (_lines is null)
                {
                    searcher.ParseEveryLine(_bytes.AsSpan(0, _length), _linesBefore, state);
                    return;
                }

                foreach (var (start, length, number) in _lines)
                {
                    searcher.Consider(_bytes.AsSpan(start, length), number, state);
                }
            }

            public void Return() => ArrayPool<byte>.Shared.Return(_bytes);
        }

        private void Consider(ReadOnlySpan<byte> line, long lineNumber, FileState state)
        {
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.IsEmpty || line.IndexOfAnyExcept(" \t"u8) < 0)
            {
                return;
            }

            var text = Encoding.UTF8.GetString(line);
            var parsed = LogLineParser.Parse(text, line);
            state.Parsed++;
            if (parsed.Data is null)
            {
                state.Malformed++;
                if (state.FirstMalformed == 0)
                {
                    state.FirstMalformed = lineNumber;
                }
            }

            if (!_request.Filter.Matches(parsed))
            {
                return;
            }

            var entry = new LogEntry(state.Path, lineNumber, text)
            {
                Timestamp = parsed.Time,
                Level = parsed.Level,
                Message = parsed.Message,
                TraceId = parsed.TraceId,
                Event = parsed.Event,
                Data = parsed.Data,
            };
            var verdict = _request.Predicate?.Evaluate(entry);
            if (verdict == false || (verdict is null && _request.Predicate is not null && !_request.HasScriptFilter))
            {
                return;
            }

            state.Add(new LogMatch(entry, Decided: verdict == true || !_request.HasScriptFilter));
        }

        private sealed class FileState
        {
            private readonly Action<IReadOnlyList<LogMatch>> _sink;
            private List<LogMatch> _batch = new(BatchSize);

            public FileState(string path, Action<IReadOnlyList<LogMatch>> sink)
            {
                Path = path;
                _sink = sink;
            }

            public string Path { get; }

            public long Parsed { get; set; }

            public long Malformed { get; set; }

            public long FirstMalformed { get; set; }

            public long Matched => Interlocked.Read(ref _matched);

            private long _matched;

            public void Add(LogMatch match)
            {
                Interlocked.Increment(ref _matched);
                _batch.Add(match);
                if (_batch.Count >= BatchSize)
                {
                    Flush();
                }
            }

            public void Flush()
            {
                if (_batch.Count > 0)
                {
                    _sink(_batch);
                    _batch = new List<LogMatch>(BatchSize);
                }
            }
        }
    }
}
