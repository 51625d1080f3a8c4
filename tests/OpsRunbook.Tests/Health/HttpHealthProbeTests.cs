using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Xunit;

namespace OpsRunbook.Tests.Health
{
    public class HttpHealthProbeTests
    {
        private static string Url(string pathAndQuery) => TestBed.HttpUrl.TrimEnd('/') + pathAndQuery;

        [Fact]
        public async Task Ready_document_is_healthy_with_components_and_version()
        {
            var health = await Probe.CheckAsync(Url("/health/ready"));

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Null(health.Error);
            Assert.Equal(ServiceKind.Http, health.Kind);
            Assert.Equal("1.0.0", health.Version);
            Assert.Equal(new[] { "postgresql", "redis" }, health.Components.Select(c => c.Name));
            Assert.All(health.Components, c => Assert.Equal(HealthStatus.Healthy, c.Status));
            Assert.All(health.Components, c => Assert.NotNull(c.LatencyMs));
            Assert.Equal(200, Probe.Detail(health, "StatusCode"));
            Assert.Equal(new Uri(TestBed.HttpUrl).Authority, health.Name);
            Assert.Equal(Url("/health/ready"), health.Target);
            Assert.True(health.LatencyMs > 0);
            Assert.True(health.CheckedAt > DateTimeOffset.Now.AddMinutes(-1));
        }

        [Fact]
        public async Task Not_ready_503_is_unhealthy_and_says_why()
        {
            var health = await Probe.CheckAsync(Url("/health/ready?status=503"));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Contains("HTTP 503", health.Error);
            Assert.Contains("postgresql", health.Error);
            Assert.Contains("Connection refused", health.Error);
            Assert.Contains("status 'not_ready'", health.Error);
            Assert.Equal(503, Probe.Detail(health, "StatusCode"));
            var postgres = Assert.Single(health.Components, c => c.Name == "postgresql");
            Assert.Equal(HealthStatus.Unhealthy, postgres.Status);
            Assert.Equal("Connection refused", postgres.Error);
            Assert.Equal(HealthStatus.Healthy, Assert.Single(health.Components, c => c.Name == "redis").Status);
            Assert.Equal("1.0.0", health.Version);
        }

        [Fact]
        public async Task Degraded_mode_is_degraded_and_names_the_fallback()
        {
            var health = await Probe.CheckAsync(Url("/health/ready?mode=degraded"));

            Assert.Equal(HealthStatus.Degraded, health.Status);
            Assert.Contains("status 'degraded'", health.Error);
            Assert.Contains("redis", health.Error);
            Assert.Contains("fallback", health.Error);
            Assert.Equal(200, Probe.Detail(health, "StatusCode"));
            Assert.Equal(HealthStatus.Unhealthy, Assert.Single(health.Components, c => c.Name == "redis").Status);
        }

        [Fact]
        public async Task AspNet_format_is_read()
        {
            var health = await Probe.CheckAsync(Url("/health/ready?format=aspnet"));

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal(new[] { "npgsql", "redis" }, health.Components.Select(c => c.Name));
            Assert.All(health.Components, c => Assert.Equal("Healthy", c.ReportedStatus));
            Assert.All(health.Components, c => Assert.True(c.LatencyMs >= 0));
            Assert.Null(health.Version);
        }

        [Fact]
        public async Task AspNet_format_not_ready_is_unhealthy()
        {
            var health = await Probe.CheckAsync(Url("/health/ready?format=aspnet&status=503"));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Contains("HTTP 503", health.Error);
            Assert.Contains("npgsql: Unhealthy (Connection refused)", health.Error);
        }

        [Fact]
        public async Task Hanging_endpoint_is_unhealthy_within_the_timeout()
        {
            var clock = Stopwatch.StartNew();
            var health = await Probe.CheckAsync(Url("/hang"), timeout: TimeSpan.FromSeconds(1));
            clock.Stop();

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal("no answer within 1 s", health.Error);
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"gave up after {clock.Elapsed}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
            Assert.InRange(health.LatencyMs, 900, 3000);
        }

        [Fact]
        public async Task Closed_port_is_connection_refused()
        {
            var clock = Stopwatch.StartNew();
            var health = await Probe.CheckAsync($"http://127.0.0.1:{TestBed.ClosedPort()}/health", timeout: TimeSpan.FromSeconds(5));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal("connection refused", health.Error);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        }

        [Fact]
        public async Task Plain_text_body_is_healthy_without_components()
        {
            var health = await Probe.CheckAsync(Url("/text"));

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Empty(health.Components);
            Assert.Null(health.Version);
            Assert.Null(health.Error);
        }

        [Theory]
        [InlineData(500, "HTTP 500 Internal Server Error")]
        [InlineData(502, "HTTP 502 Bad Gateway")]
        [InlineData(404, "HTTP 404 Not Found")]
        public async Task Error_status_codes_are_unhealthy(int code, string error)
        {
            var health = await Probe.CheckAsync(Url($"/status/{code}"));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal(error, health.Error);
            Assert.Equal(code, Probe.Detail(health, "StatusCode"));
            Assert.Empty(health.Components);
        }

        [Fact]
        public async Task Status_204_is_healthy()
        {
            var health = await Probe.CheckAsync(Url("/status/204"));
            Assert.Equal(HealthStatus.Healthy, health.Status);
        }

        [Fact]
        public async Task Basic_auth_with_credential_is_healthy()
        {
            var health = await Probe.CheckAsync(Url("/auth"), credential: new NetworkCredential("probe", TestBed.Password));

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal(Url("/auth"), health.Target);
        }

        [Fact]
        public async Task A_password_is_never_sent_as_basic_over_plain_http_beyond_this_machine()
        {
            // Nothing is sent at all: the refusal comes before any connection (api.invalid never resolves anyway).
            var health = await Probe.CheckAsync("http://api.invalid/health", credential: new NetworkCredential("probe", TestBed.Password));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.StartsWith("not probed: the password would go as Basic authentication over plain http to api.invalid", health.Error);
            SecretAssert.Absent(health);
        }

        [Fact]
        public async Task Basic_auth_without_credential_is_unhealthy_401()
        {
            var health = await Probe.CheckAsync(Url("/auth"));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal("HTTP 401 Unauthorized", health.Error);
        }

        [Fact]
        public async Task Basic_auth_with_wrong_password_is_unhealthy_401()
        {
            var health = await Probe.CheckAsync(Url("/auth"), credential: new NetworkCredential("probe", TestBed.Password + "-wrong"));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal("HTTP 401 Unauthorized", health.Error);
        }

        [Fact]
        public async Task Credentials_in_the_uri_move_out_of_it()
        {
            var endpoint = new Uri(TestBed.HttpUrl);
            var text = $"http://probe:{Uri.EscapeDataString(TestBed.Password)}@{endpoint.Authority}/auth";

            var target = Probe.Target(text);
            var health = await Probe.CheckAsync(target);

            Assert.Equal($"http://{endpoint.Authority}/auth", target.DisplayTarget);
            Assert.Equal(endpoint.Authority, target.Name);
            SecretAssert.Absent(target.DisplayTarget);
            SecretAssert.Absent(target.ToString());
            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal($"http://{endpoint.Authority}/auth", health.Target);
        }

        [Fact]
        public void Credentials_in_the_uri_with_special_characters_are_decoded()
        {
            const string password = "p@ss:w/rd%";
            var target = Probe.Target($"https://probe:{Uri.EscapeDataString(password)}@example.invalid/health");

            Assert.Equal("https://example.invalid/health", target.DisplayTarget);
            Assert.DoesNotContain("p%40ss", target.ToString());
            Assert.Contains(password, target.Probe.Secrets);
        }
    }
}
