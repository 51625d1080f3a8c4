using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Observability;
using OpsRunbook.Tests.Containers;
using Xunit;

namespace OpsRunbook.Tests.Observability
{
    public sealed class ContainerLogReaderTests : IAsyncLifetime
    {
        // Seed 004's structured log, plus plain text on stderr.
        private const string Script = """
            echo '{"level":"INFO","event":"request_completed","traceId":"t-1","duration":120}'
            echo '{"level":"ERROR","msg":"upstream timed out","traceId":"t-2","error":{"name":"TimeoutError"}}'
            echo 'plain text to stderr' >&2
            echo 'level=warn msg="cache miss" key=market:AAPL latency_ms=35'
            echo '{"level":"ERROR","msg":"second failure","traceId":"t-1","error":{"name":"DbError"}}'
            trap 'exit 0' TERM; while true; do sleep 0.1; done
            """;

        private readonly TestContainers _containers = new();
        private ServiceContainer _container = null!;

        public async Task InitializeAsync()
        {
            var name = await _containers.CreateAsync("app", Script, _containers.Prefix, "app");
            using var docker = _containers.Connect();
            var catalog = new ContainerCatalog(docker);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            do
            {
                _container = await catalog.GetAsync(name, CancellationToken.None);
                await Task.Delay(100);
            }
            while (TestContainers.DockerCli("logs", name).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length < 4 && DateTime.UtcNow < deadline);
        }

        public Task DisposeAsync() => _containers.DisposeAsync().AsTask();

        private async Task<List<ContainerLogLine>> Read(LogQuery query)
        {
            using var docker = _containers.Connect();
            var lines = new List<ContainerLogLine>();
            await foreach (var line in new ContainerLogReader(docker).ReadAsync(_container, query, CancellationToken.None))
            {
                lines.Add(line);
            }

            return lines;
        }

        private static LogQuery All => new(null, null, null, Array.Empty<string>(), null, false);

        [Fact]
        public async Task Reads_every_line_with_its_stream_and_timestamp()
        {
            var lines = await Read(All);

            Assert.Equal(5, lines.Count);
            Assert.Equal(LogStream.Stderr, lines.Single(l => l.Line == "plain text to stderr").Stream);
            Assert.Equal(4, lines.Count(l => l.Stream == LogStream.Stdout));
            Assert.All(lines, l => Assert.InRange(l.Timestamp!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1)));
            Assert.All(lines, l => Assert.Equal(_container.Name, l.Container));
            Assert.All(lines, l => Assert.Equal("app", l.Service));
        }

        [Fact]
        public async Task Structured_lines_give_their_level_message_trace_and_fields()
        {
            var lines = await Read(All);

            var error = lines.Single(l => l.Message == "upstream timed out");
            Assert.Equal("error", error.Level);
            Assert.Equal("t-2", error.TraceId);
            Assert.Equal("TimeoutError", ((System.Collections.Hashtable)error.Data!["error"]!)["name"]);
            var completed = lines.Single(l => l.Message == "request_completed");
            Assert.Equal(120L, completed.Data!["duration"]);
            var logfmt = lines.Single(l => l.Message == "cache miss");
            Assert.Equal("warn", logfmt.Level);
            Assert.Equal(35L, logfmt.Data!["latency_ms"]);
            var plain = lines.Single(l => l.Stream == LogStream.Stderr);
            Assert.Null(plain.Data);
            Assert.Equal("plain text to stderr", plain.Message);
        }

        [Fact]
        public async Task Filters_by_level_trace_pattern_and_tail()
        {
            Assert.Equal(new[] { "upstream timed out", "second failure" }, (await Read(All with { Levels = new[] { "error" } })).Select(l => l.Message));
            Assert.Equal(new[] { "request_completed", "second failure" }, (await Read(All with { TraceId = "t-1" })).Select(l => l.Message));
            Assert.Equal(new[] { "second failure" }, (await Read(All with { Levels = new[] { "ERROR" }, TraceId = "t-1" })).Select(l => l.Message));
            Assert.Single(await Read(All with { Pattern = new Regex("STDERR", RegexOptions.IgnoreCase) }));
            // Tail counts lines of both streams; their order within a few microseconds is Docker's, so only counts are certain.
            Assert.Equal(2, (await Read(All with { Tail = 2 })).Count);
            Assert.Empty(await Read(All with { Tail = 0 }));
            Assert.Equal(new[] { "cache miss" }, (await Read(All with { Levels = new[] { "warning" } })).Select(l => l.Message));
        }

        [Fact]
        public async Task Since_in_the_future_reads_nothing()
        {
            Assert.Empty(await Read(All with { Since = DateTimeOffset.UtcNow.AddMinutes(1) }));
        }

        [Fact]
        public async Task Follow_streams_new_lines_until_cancelled()
        {
            var name = await _containers.CreateAsync("ticker", "trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 0.2; done");
            using var docker = _containers.Connect();
            var container = await new ContainerCatalog(docker).GetAsync(name, CancellationToken.None);
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var seen = new List<string>();

            await foreach (var line in new ContainerLogReader(docker).ReadAsync(container, All with { Follow = true, Tail = 0 }, cancel.Token))
            {
                seen.Add(line.Message);
                if (seen.Count == 5)
                {
                    cancel.Cancel();
                }
            }

            Assert.Equal(5, seen.Count);
            Assert.All(seen, m => Assert.StartsWith("tick ", m));
            Assert.False(cancel.IsCancellationRequested && seen.Count < 5);
        }
    }
}
