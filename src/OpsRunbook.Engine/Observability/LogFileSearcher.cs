using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading;
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
            var lowered = _prefilter is null ? null : new byte[1 << 20];
            var candidates = new List<(int Start, int Length)>();
            long bytesRead = 0;
            var lines = await LogFileReader.ReadAsync(path, (chunk, linesBefore) =>
            {
                bytesRead += chunk.Length;
                if (_prefilter is null)
                {
                    ReadEveryLine(chunk, linesBefore, state);
                }
                else
                {
                    if (lowered!.Length < chunk.Length)
                    {
                        lowered = new byte[chunk.Length];
                    }

                    var lower = lowered.AsSpan(0, chunk.Length);
                    LogBytePrefilter.ToLowerAscii(chunk, lower);
                    candidates.Clear();
                    _prefilter.FindCandidates(lower, candidates);
                    var counted = 0;
                    var lineNumber = linesBefore;
                    foreach (var (start, length) in candidates)
                    {
                        lineNumber += chunk[counted..start].Count((byte)'\n');
                        counted = start;
                        Consider(chunk.Slice(start, length), lineNumber + 1, state);
                    }
                }

                reporter.Progress(new OperationProgress($"Searching {path}", $"{bytesRead / (1 << 20):N0} MB read, {state.Matched:N0} matches", -1));
            }, cancellationToken).ConfigureAwait(false);
            state.Flush();
            reporter.Progress(new OperationProgress($"Searching {path}", "Done", 100, Completed: true));

            var summary = new LogSearchSummary(path, lines, state.Parsed, state.Malformed, state.FirstMalformed, state.Matched, clock.Elapsed);
            if (summary.Malformed > 0)
            {
                reporter.Warning(string.Format(CultureInfo.InvariantCulture,
                    "{0}: {1:N0} malformed lines (neither JSON nor key=value), the first at line {2:N0}, among the {3:N0} lines parsed; they were searched as plain text.",
                    path, summary.Malformed, summary.FirstMalformedLine, summary.Parsed));
            }

            if (reporter.IsVerbose)
            {
                reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "{0}: {1:N0} lines, {2:N0} parsed, {3:N0} matched, in {4:0.###} s.",
                    path, lines, summary.Parsed, summary.Matched, clock.Elapsed.TotalSeconds));
            }

            return summary;
        }

        private void ReadEveryLine(ReadOnlySpan<byte> chunk, long linesBefore, FileState state)
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

            public long Matched { get; private set; }

            public void Add(LogMatch match)
            {
                Matched++;
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
