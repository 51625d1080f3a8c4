using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;
using Xunit;

namespace OpsRunbook.Tests.Observability
{
    public class PrometheusClientTests
    {
        [Fact]
        public async Task An_instant_query_reads_labels_and_value_as_curl_and_jq_see_them()
        {
            var series = await Observe.Prometheus().QueryAsync("up{job=\"testservice\"}", null, OperationReporter.None, CancellationToken.None);

            var up = Assert.Single(series);
            Assert.Equal("up", up.Name);
            Assert.Equal("testservice", up.Metric["job"]);
            Assert.Equal(1, up.Value);
            Assert.Equal("vector", up.ResultType);
            var witness = Observe.Run("sh", "-c", $"curl -s '{TestBed.PrometheusUrl}/api/v1/query?query=up%7Bjob%3D%22testservice%22%7D' | jq -r '.data.result[0].metric.instance'");
            Assert.Equal(witness.Trim(), up.Metric["instance"]);
        }

        [Fact]
        public async Task A_range_query_gives_values_over_time_and_a_scalar_gives_one_value()
        {
            var prometheus = Observe.Prometheus();

            // Prometheus may have started seconds ago: wait (bounded) until it has ten seconds of history.
            var range = await Observe.UntilAsync(async () =>
            {
                var now = DateTimeOffset.Now;
                return await prometheus.QueryRangeAsync("up{job=\"testservice\"}", new PrometheusRange(now.AddSeconds(-10), now, TimeSpan.FromSeconds(1)),
                    OperationReporter.None, CancellationToken.None);
            }, r => r.Count == 1 && r[0].Values.Length >= 8, TimeSpan.FromSeconds(20), "ten seconds of up history");
            var scalar = await prometheus.QueryAsync("scalar(vector(42))", null, OperationReporter.None, CancellationToken.None);

            var series = Assert.Single(range);
            Assert.Equal("matrix", series.ResultType);
            Assert.InRange(series.Values.Length, 8, 11);
            Assert.All(series.Values, v => Assert.Equal(1, v.Value));
            Assert.Equal(series.Values.OrderBy(v => v.Timestamp).Select(v => v.Timestamp), series.Values.Select(v => v.Timestamp));
            Assert.Equal(42, Assert.Single(scalar).Value);
        }

        [Fact]
        public async Task Bad_PromQL_is_InvalidPromQL_carrying_Prometheus_own_message()
        {
            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => Observe.Prometheus().QueryAsync("rate(http_requests_total[5m]", null, OperationReporter.None, CancellationToken.None));

            Assert.Equal("InvalidPromQL", ex.ErrorId);
            Assert.Equal(FailureCategory.InvalidArgument, ex.Category);
            Assert.Contains("parse error", ex.Message);
            Assert.Contains("unclosed left parenthesis", ex.Message);
        }

        [Fact]
        public async Task An_unreachable_server_or_one_that_is_not_Prometheus_is_a_specific_error()
        {
            var closed = new PrometheusClient(new Uri($"http://127.0.0.1:{TestBed.ClosedPort()}"), TimeSpan.FromSeconds(5));
            var notPrometheus = new PrometheusClient(new Uri(TestBed.HttpUrl), TimeSpan.FromSeconds(5));

            var refused = await Assert.ThrowsAsync<OpsRunbookException>(() => closed.QueryAsync("up", null, OperationReporter.None, CancellationToken.None));
            var other = await Assert.ThrowsAsync<OpsRunbookException>(() => notPrometheus.QueryAsync("up", null, OperationReporter.None, CancellationToken.None));

            Assert.Equal("PrometheusUnreachable", refused.ErrorId);
            Assert.Equal(FailureCategory.ConnectionError, refused.Category);
            Assert.Contains("PROMETHEUS_URL", refused.RecommendedAction);
            Assert.Equal("PrometheusUnexpectedAnswer", other.ErrorId);
        }

        [Fact]
        public void The_server_comes_from_the_parameter_else_PROMETHEUS_URL_else_localhost_9090()
        {
            Assert.Equal(new Uri("http://a:1/"), PrometheusClient.ResolveUri("http://a:1", Env.Of(("PROMETHEUS_URL", "http://b:2"))));
            Assert.Equal(new Uri("http://b:2/"), PrometheusClient.ResolveUri(null, Env.Of(("PROMETHEUS_URL", "http://b:2"))));
            Assert.Equal(new Uri("http://localhost:9090/"), PrometheusClient.ResolveUri(null, Env.None));
            Assert.Equal("InvalidUri", Assert.Throws<OpsRunbookException>(() => PrometheusClient.ResolveUri("localhost:9090", Env.None)).ErrorId);
        }

        [Fact]
        public async Task Lists_the_alerts_Prometheus_reports_with_their_state()
        {
            var alerts = await Observe.Prometheus().AlertsAsync(OperationReporter.None, CancellationToken.None);

            var watchdog = Assert.Single(alerts, a => a.Name == "Watchdog");
            Assert.Equal(AlertState.Firing, watchdog.State);
            Assert.Equal("none", watchdog.Severity);
            Assert.Equal("Always firing, to show the alerting pipeline works", watchdog.Summary);
            Assert.True(watchdog.ActiveAt < DateTimeOffset.Now);
            Assert.Equal(AlertState.Pending, Assert.Single(alerts, a => a.Name == "AlwaysPending").State);
        }
    }
}
