using System.Linq;
using OpsRunbook.Engine.Health;
using Xunit;

namespace OpsRunbook.Tests.Health
{
    public class ReadinessDocumentTests
    {
        [Fact]
        public void Seed_ready_document_is_healthy_with_components_and_version()
        {
            const string body = """
                {"status":"ready","checks":{"postgresql":{"status":"ok","latency_ms":1.5},"redis":{"status":"ok","latency_ms":0.4},"llm":{"status":"ok","latency_ms":120}},"version":"1.0.0"}
                """;

            var document = ReadinessDocument.TryParse(body);

            Assert.NotNull(document);
            Assert.Equal(HealthStatus.Healthy, document!.Status);
            Assert.Equal("ready", document.ReportedStatus);
            Assert.Equal("1.0.0", document.Version);
            Assert.Equal(new[] { "postgresql", "redis", "llm" }, document.Components.Select(c => c.Name));
            Assert.All(document.Components, c => Assert.Equal(HealthStatus.Healthy, c.Status));
            Assert.All(document.Components, c => Assert.Null(c.Error));
            Assert.Equal(1.5, document.Components[0].LatencyMs);
            Assert.Equal(0.4, document.Components[1].LatencyMs);
            Assert.Equal(120, document.Components[2].LatencyMs);
            Assert.Equal("ok", document.Components[0].ReportedStatus);
        }

        [Fact]
        public void Seed_not_ready_document_is_unhealthy_and_names_the_failing_dependency()
        {
            const string body = """{"status":"not_ready","checks":{"postgresql":{"status":"unhealthy","error":"Connection refused"}}}""";

            var document = ReadinessDocument.TryParse(body)!;

            Assert.Equal(HealthStatus.Unhealthy, document.Status);
            Assert.Equal("not_ready", document.ReportedStatus);
            Assert.Null(document.Version);
            var postgres = Assert.Single(document.Components);
            Assert.Equal("postgresql", postgres.Name);
            Assert.Equal(HealthStatus.Unhealthy, postgres.Status);
            Assert.Equal("unhealthy", postgres.ReportedStatus);
            Assert.Equal("Connection refused", postgres.Error);
            Assert.Null(postgres.LatencyMs);
            Assert.Equal("postgresql: Unhealthy (Connection refused)", postgres.ToString());
        }

        [Fact]
        public void Degraded_word_is_degraded()
        {
            const string body = """{"status":"degraded","checks":{"postgresql":{"status":"ok"},"redis":{"status":"unhealthy","error":"fallback cache"}}}""";

            var document = ReadinessDocument.TryParse(body)!;

            Assert.Equal(HealthStatus.Degraded, document.Status);
            Assert.Equal(HealthStatus.Healthy, document.Components[0].Status);
            Assert.Equal(HealthStatus.Unhealthy, document.Components[1].Status);
            Assert.Equal("fallback cache", document.Components[1].Error);
        }

        [Fact]
        public void AspNet_core_entries_with_timespan_durations()
        {
            const string body = """
                {"status":"Degraded","totalDuration":"00:00:00.0123456","entries":{
                  "npgsql":{"data":{},"duration":"00:00:00.0051234","status":"Healthy","tags":["db"]},
                  "redis":{"data":{},"description":"Timeout connecting","duration":"00:00:01.5000000","status":"Unhealthy","tags":[]},
                  "disk":{"data":{},"duration":"00:00:00","status":"Degraded","description":"85% full"}}}
                """;

            var document = ReadinessDocument.TryParse(body)!;

            Assert.Equal(HealthStatus.Degraded, document.Status);
            Assert.Equal(new[] { "npgsql", "redis", "disk" }, document.Components.Select(c => c.Name));
            Assert.Equal(5.1234, document.Components[0].LatencyMs!.Value, 4);
            Assert.Equal(HealthStatus.Healthy, document.Components[0].Status);
            Assert.Null(document.Components[0].Error);
            Assert.Equal(1500, document.Components[1].LatencyMs!.Value, 4);
            Assert.Equal(HealthStatus.Unhealthy, document.Components[1].Status);
            Assert.Equal("Timeout connecting", document.Components[1].Error);
            Assert.Equal(HealthStatus.Degraded, document.Components[2].Status);
            Assert.Equal("85% full", document.Components[2].Error);
            Assert.Equal(0, document.Components[2].LatencyMs);
        }

        [Fact]
        public void Spring_boot_components_with_up_and_down()
        {
            const string body = """
                {"status":"DOWN","components":{"db":{"status":"UP","details":{"database":"PostgreSQL"}},
                 "redis":{"status":"DOWN","details":{"error":"io.lettuce.core.RedisConnectionException"}},"ping":{"status":"UP"}}}
                """;

            var document = ReadinessDocument.TryParse(body)!;

            Assert.Equal(HealthStatus.Unhealthy, document.Status);
            Assert.Equal("DOWN", document.ReportedStatus);
            Assert.Equal(new[] { "db", "redis", "ping" }, document.Components.Select(c => c.Name));
            Assert.Equal(new[] { HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Healthy }, document.Components.Select(c => c.Status));
            Assert.Equal("UP", document.Components[0].ReportedStatus);
            Assert.Equal("io.lettuce.core.RedisConnectionException", document.Components[1].Error);
        }

        [Fact]
        public void String_and_boolean_valued_checks()
        {
            const string body = """{"status":"ok","checks":{"db":"ok","cache":"down","queue":"warn","search":true,"mail":false}}""";

            var document = ReadinessDocument.TryParse(body)!;

            Assert.Equal(HealthStatus.Healthy, document.Status);
            Assert.Equal(
                new[] { HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Degraded, HealthStatus.Healthy, HealthStatus.Unhealthy },
                document.Components.Select(c => c.Status));
            Assert.Equal(new[] { "ok", "down", "warn", "true", "false" }, document.Components.Select(c => c.ReportedStatus));
            Assert.All(document.Components, c => Assert.Null(c.LatencyMs));
        }

        [Fact]
        public void Health_json_arrays_of_observations()
        {
            const string body = """
                {"status":"warn","checks":{
                  "postgres:responseTime":[{"componentId":"a","status":"pass","observedValue":3,"latency_ms":3}],
                  "redis:connections":[{"status":"pass"},{"status":"fail","output":"replica unreachable"}],
                  "empty":[]}}
                """;

            var document = ReadinessDocument.TryParse(body)!;

            Assert.Equal(HealthStatus.Degraded, document.Status);
            Assert.Equal(new[] { "postgres:responseTime", "redis:connections[0]", "redis:connections[1]" }, document.Components.Select(c => c.Name));
            Assert.Equal(3, document.Components[0].LatencyMs);
            Assert.Equal(HealthStatus.Healthy, document.Components[1].Status);
            Assert.Equal(HealthStatus.Unhealthy, document.Components[2].Status);
            Assert.Equal("replica unreachable", document.Components[2].Error);
        }

        [Fact]
        public void Component_without_status_is_unhealthy_with_a_reason()
        {
            var document = ReadinessDocument.TryParse("""{"checks":{"db":{"latency_ms":2}}}""")!;

            Assert.Null(document.Status);
            Assert.Null(document.ReportedStatus);
            var db = Assert.Single(document.Components);
            Assert.Equal(HealthStatus.Unhealthy, db.Status);
            Assert.Equal("no status reported", db.Error);
            Assert.Equal(2, db.LatencyMs);
        }

        [Fact]
        public void Error_objects_with_a_message_are_read()
        {
            var document = ReadinessDocument.TryParse("""{"status":"fail","checks":{"db":{"status":"fail","error":{"message":"too many clients"}}}}""")!;
            Assert.Equal("too many clients", document.Components[0].Error);
        }

        [Fact]
        public void Field_names_are_case_insensitive_and_comments_and_trailing_commas_are_tolerated()
        {
            const string body = """
                { // a hand-written health document
                  "Status": "UP", "Version": "2.3.4",
                  "Checks": { "db": { "Status": "UP", "LatencyMs": 7, }, },
                }
                """;

            var document = ReadinessDocument.TryParse(body)!;

            Assert.Equal(HealthStatus.Healthy, document.Status);
            Assert.Equal("2.3.4", document.Version);
            Assert.Equal(7, Assert.Single(document.Components).LatencyMs);
        }

        [Fact]
        public void Document_without_checks_has_no_components()
        {
            var document = ReadinessDocument.TryParse("""{"status":"ok","timestamp":"2026-01-01T00:00:00Z"}""")!;

            Assert.Equal(HealthStatus.Healthy, document.Status);
            Assert.Empty(document.Components);
            Assert.Null(document.Version);
        }

        [Theory]
        [InlineData("OK")]
        [InlineData("")]
        [InlineData("   \n")]
        [InlineData("<html><body>It works</body></html>")]
        [InlineData("[{\"status\":\"ok\"}]")]
        [InlineData("{\"status\":\"ok\"")]
        [InlineData("{not json}")]
        [InlineData("\"ok\"")]
        public void Non_json_object_bodies_give_null(string body)
        {
            Assert.Null(ReadinessDocument.TryParse(body));
        }

        [Theory]
        [InlineData("ok", HealthStatus.Healthy)]
        [InlineData("UP", HealthStatus.Healthy)]
        [InlineData("pass", HealthStatus.Healthy)]
        [InlineData(" Healthy ", HealthStatus.Healthy)]
        [InlineData("Degraded", HealthStatus.Degraded)]
        [InlineData("WARN", HealthStatus.Degraded)]
        [InlineData("not_ready", HealthStatus.Unhealthy)]
        [InlineData("DOWN", HealthStatus.Unhealthy)]
        [InlineData("fail", HealthStatus.Unhealthy)]
        [InlineData("something else", HealthStatus.Unhealthy)]
        public void Status_words(string word, HealthStatus expected)
        {
            Assert.Equal(expected, StatusWords.Parse(word));
        }
    }
}
