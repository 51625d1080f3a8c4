using System;
using System.Collections;
using OpsRunbook.Engine.Observability;
using Xunit;

namespace OpsRunbook.Tests.Observability
{
    public class LogLineParserTests
    {
        [Fact]
        public void Reads_the_seed_004_structured_line()
        {
            var line = LogLineParser.Parse("""{"level":"ERROR","traceId":"550e8400-e29b-41d4-a716-446655440000","event":"request_completed","duration":1200,"error":{"name":"TimeoutError"}}""");

            Assert.Equal("error", line.Level);
            Assert.Equal("request_completed", line.Message);
            Assert.Equal("550e8400-e29b-41d4-a716-446655440000", line.TraceId);
            Assert.Equal(1200L, line.Data!["duration"]);
            Assert.Equal("TimeoutError", LogLineParser.Field(line.Data, "error.name"));
        }

        [Theory]
        [InlineData("""{"level":50,"time":1764240000000,"msg":"boom"}""", "error")]
        [InlineData("""{"level":30,"msg":"ok"}""", "info")]
        [InlineData("""{"severity":"WARNING","message":"slow"}""", "warn")]
        [InlineData("""{"log":{"level":"critical"},"message":"down"}""", "fatal")]
        [InlineData("""{"levelname":"DEBUG","event":"x"}""", "debug")]
        public void Reads_the_level_of_common_JSON_loggers(string text, string level)
        {
            Assert.Equal(level, LogLineParser.Parse(text).Level);
        }

        [Fact]
        public void Reads_times_and_nested_trace_ids()
        {
            var pino = LogLineParser.Parse("""{"level":30,"time":1764240000000,"msg":"ok","trace":{"id":"abc"}}""");
            var iso = LogLineParser.Parse("""{"timestamp":"2026-11-27T10:00:00Z","msg":"ok","trace_id":"def"}""");

            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764240000000), pino.Time);
            Assert.Equal("abc", pino.TraceId);
            Assert.Equal(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero), iso.Time);
            Assert.Equal("def", iso.TraceId);
        }

        [Fact]
        public void Reads_key_value_lines_with_quoted_values_and_numbers()
        {
            var line = LogLineParser.Parse("""level=info msg="request done" status=200 latency_ms=35.5 path=/analyze""");

            Assert.Equal("info", line.Level);
            Assert.Equal("request done", line.Message);
            Assert.Equal(200L, line.Data!["status"]);
            Assert.Equal(35.5, line.Data["latency_ms"]);
            Assert.Equal("/analyze", line.Data["path"]);
        }

        [Theory]
        [InlineData("2026-11-27 10:00:00 ERROR something broke", "error")]
        [InlineData("[WARN] disk almost full", "warn")]
        [InlineData("just some text", null)]
        [InlineData("retry=3 failed", null)]
        public void Plain_text_keeps_the_whole_line_and_a_level_when_it_starts_with_one(string text, string? level)
        {
            var line = LogLineParser.Parse(text);

            Assert.Equal(level, line.Level);
            Assert.Equal(text, line.Message);
            Assert.Null(line.Data);
        }

        [Fact]
        public void Broken_JSON_is_plain_text()
        {
            var line = LogLineParser.Parse("""{"level":"error", "msg": """);

            Assert.Null(line.Data);
            Assert.Equal("""{"level":"error", "msg": """, line.Message);
        }

        [Fact]
        public void Field_keys_are_case_insensitive_and_nested_tables_are_hashtables()
        {
            var line = LogLineParser.Parse("""{"Error":{"Name":"X","stack":["a","b"]}}""");

            Assert.Equal("X", LogLineParser.Field(line.Data, "error.name"));
            Assert.IsType<Hashtable>(line.Data!["error"]);
            Assert.Equal(new object[] { "a", "b" }, (object[])LogLineParser.Field(line.Data, "error.stack")!);
        }
    }
}
