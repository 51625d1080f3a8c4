using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;
using Xunit;

namespace OpsRunbook.Tests.Observability
{
    /// <summary>Searches of the generated 1,000,000-line log against its known counts (and grep as a witness).</summary>
    public class LogSearchTests
    {
        private static readonly AppLogCounts Counts = AppLogCounts.Load();

        [Fact]
        public async Task Errors_by_level_match_the_known_count_and_grep()
        {
            var matches = await Observe.SearchAsync(TestBed.AppLog, new LogFilter(new[] { "ERROR" }, null, null, null));

            Assert.Equal(Counts.Level("error"), matches.Count);
            Assert.All(matches, m => Assert.Equal("error", m.Entry.Level));
            Assert.Equal(Counts.Level("error").ToString(), Observe.Run("grep", "-c", "\"level\":\"ERROR\"", TestBed.AppLog).Trim());
        }

        [Fact]
        public async Task Grouping_errors_by_error_name_gives_the_known_counts()
        {
            var counter = new LogGroupCounter("error.name");
            foreach (var match in await Observe.SearchAsync(TestBed.AppLog, new LogFilter(new[] { "error" }, null, null, null)))
            {
                counter.Add(match.Entry);
            }

            var groups = counter.Groups().ToList();
            Assert.Equal(Counts.ErrorNames.OrderBy(p => p.Key), groups.Select(g => new KeyValuePair<string, long>((string)g.Value!, g.Count)).OrderBy(p => p.Key));
            Assert.Equal(groups.OrderByDescending(g => g.Count).Select(g => g.Count), groups.Select(g => g.Count));
        }

        [Fact]
        public async Task Slow_requests_by_event_and_a_translated_filter_match_the_known_count()
        {
            var slow = LogPredicate.Compare("Data.duration", "gt", 1000, caseSensitive: false);

            var matches = await Observe.SearchAsync(TestBed.AppLog, new LogFilter(Array.Empty<string>(), null, "request_completed", null), slow, script: true);

            Assert.Equal(Counts.SlowRequests, matches.Count);
            Assert.All(matches, m => Assert.True(m.Decided));
            Assert.All(matches, m => Assert.True((long)m.Entry.Data!["duration"]! > 1000));
        }

        [Fact]
        public async Task One_trace_and_its_errors_with_line_numbers_that_sed_confirms()
        {
            var trace = await Observe.SearchAsync(TestBed.AppLog, new LogFilter(Array.Empty<string>(), Counts.SampleTraceId.ToUpperInvariant(), null, null));
            var errors = await Observe.SearchAsync(TestBed.AppLog, new LogFilter(new[] { "error" }, Counts.SampleTraceId, null, null));

            Assert.Equal(Counts.SampleTraceLines, trace.Count);
            Assert.Equal(Counts.SampleTraceErrors, errors.Count);
            var first = trace[0].Entry;
            Assert.Equal(first.Line, Observe.Run("sed", "-n", $"{first.LineNumber}p", TestBed.AppLog).TrimEnd('\n'));
            Assert.Equal(trace.Select(m => m.Entry.LineNumber).OrderBy(n => n), trace.Select(m => m.Entry.LineNumber));
        }

        [Fact]
        public async Task Every_line_parsed_counts_the_malformed_ones_and_since_keeps_the_recent()
        {
            var reporter = new RecordingReporter();
            var all = await Observe.SearchAsync(TestBed.AppLog, new LogFilter(Array.Empty<string>(), null, null, Counts.SinceTime), reporter: reporter);

            Assert.Equal(Counts.LinesSince, all.Count);
            var warning = Assert.Single(reporter.Warnings);
            Assert.Contains($"{Counts.Malformed:N0} malformed lines", warning);
            Assert.Contains($"the first at line {Counts.MalformedLines[0]:N0}", warning);
            Assert.Contains($"among the {Counts.Lines:N0} lines parsed", warning);
        }
    }

    /// <summary>The prefilter, gzip, bad files and the filter's semantics, on small files made here.</summary>
    public sealed class LogFileSearcherTests : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("orb-logs-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private string Write(string name, params string[] lines)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllText(path, string.Join("\n", lines) + "\n");
            return path;
        }

        [Fact]
        public async Task The_byte_prefilter_never_drops_a_line_the_parser_would_keep()
        {
            var path = Write("mixed.log",
                """{"level":50,"msg":"pino error"}""",
                """{"level" : 40,"msg":"pino warn"}""",
                """{"lvl":"Err","msg":"short spelling"}""",
                """{"severity":"CRITICAL","msg":"fatal one"}""",
                """{"level":"\u0065rror","msg":"escaped"}""",
                "level=error msg=\"logfmt\" trace_id=AbC-1",
                "2026-11-27 10:00:00 ERROR plain text line",
                """{"level":"info","msg":"error in the message only"}""",
                """{"level":"info","msg":"ok","traceId":"abc-1"}""",
                """{"level":"error","msg":"nested trace","trace":{"id":"abc-1"}}""");

            var errors = await Observe.SearchAsync(path, new LogFilter(new[] { "error" }, null, null, null));
            var fatal = await Observe.SearchAsync(path, new LogFilter(new[] { "fatal" }, null, null, null));
            var trace = await Observe.SearchAsync(path, new LogFilter(Array.Empty<string>(), "ABC-1", null, null));

            Assert.Equal(new long[] { 1, 3, 5, 6, 7, 10 }, errors.Select(m => m.Entry.LineNumber));
            Assert.Equal(new long[] { 4 }, fatal.Select(m => m.Entry.LineNumber));
            Assert.Equal(new long[] { 6, 9, 10 }, trace.Select(m => m.Entry.LineNumber));
        }

        [Fact]
        public async Task A_gzip_rotated_file_reads_as_the_plain_one_and_a_last_line_without_newline_counts()
        {
            var lines = Enumerable.Range(1, 5000).Select(i => $$"""{"level":"{{(i % 10 == 0 ? "ERROR" : "INFO")}}","msg":"line {{i}}","traceId":"t-{{i % 7}}"}""").ToArray();
            var plain = Path.Combine(_folder, "app.log");
            File.WriteAllText(plain, string.Join("\n", lines));
            var gzip = Path.Combine(_folder, "app.log.1.gz");
            using (var output = new GZipStream(File.Create(gzip), CompressionLevel.Fastest))
            {
                output.Write(File.ReadAllBytes(plain));
            }

            var filter = new LogFilter(new[] { "error" }, "t-3", null, null);
            var fromPlain = await Observe.SearchAsync(plain, filter);
            var fromGzip = await Observe.SearchAsync(gzip, filter);

            Assert.Equal(fromPlain.Select(m => (m.Entry.LineNumber, m.Entry.Line)), fromGzip.Select(m => (m.Entry.LineNumber, m.Entry.Line)));
            Assert.Equal(lines.Count(l => l.Contains("ERROR") && l.Contains("\"t-3\"")), fromGzip.Count);
            Assert.Equal(5000, (await Observe.SearchAsync(gzip, LogFilter.None)).Last().Entry.LineNumber);
        }

        [Fact]
        public async Task Missing_damaged_and_directory_logs_are_specific_errors()
        {
            var damaged = Path.Combine(_folder, "bad.gz");
            File.WriteAllBytes(damaged, new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 });

            var missing = await Assert.ThrowsAsync<OpsRunbookException>(() => Observe.SearchAsync(Path.Combine(_folder, "none.log"), LogFilter.None));
            var broken = await Assert.ThrowsAsync<OpsRunbookException>(() => Observe.SearchAsync(damaged, LogFilter.None));
            var folder = await Assert.ThrowsAsync<OpsRunbookException>(() => Observe.SearchAsync(_folder, LogFilter.None));

            Assert.Equal(("LogFileNotFound", FailureCategory.ObjectNotFound), (missing.ErrorId, missing.Category));
            Assert.Equal(("LogFileUnreadable", FailureCategory.InvalidData), (broken.ErrorId, broken.Category));
            Assert.Contains("gzip", broken.Message);
            Assert.Equal("LogFileUnreadable", folder.ErrorId);
        }

        [Fact]
        public async Task Undecidable_comparisons_are_left_to_the_script_block()
        {
            var path = Write("durations.log",
                """{"event":"request_completed","duration":1500}""",
                """{"event":"request_completed","duration":"1500"}""",
                """{"event":"request_completed"}""",
                """{"event":"request_completed","duration":20}""");
            var slow = LogPredicate.Compare("Data.duration", "gt", 1000, caseSensitive: false);

            var matches = await Observe.SearchAsync(path, new LogFilter(Array.Empty<string>(), null, "REQUEST_COMPLETED", null), slow, script: true);

            Assert.Equal(new[] { (1L, true), (2L, false), (3L, false) }, matches.Select(m => (m.Entry.LineNumber, m.Decided)));
        }

        [Fact]
        public async Task Memory_stays_flat_while_a_search_reads_a_large_file()
        {
            // 200 MB read through a 1 MB buffer: the managed heap must not grow with the file.
            var before = GC.GetTotalMemory(forceFullCollection: true);
            long peak = 0;
            var reporter = new PeakReporter(() => peak = Math.Max(peak, GC.GetTotalMemory(false)));
            await Observe.SearchAsync(TestBed.AppLog, new LogFilter(Array.Empty<string>(), "no-such-trace-id", null, null), reporter: reporter);

            Assert.InRange(peak - before, long.MinValue, 64L << 20);
        }

        private sealed class PeakReporter : IOperationReporter
        {
            private readonly Action _sample;

            public PeakReporter(Action sample)
            {
                _sample = sample;
            }

            public bool IsVerbose => false;

            public void Verbose(string message) { }

            public void Warning(string message) { }

            public void Progress(OperationProgress progress) => _sample();
        }
    }
}
