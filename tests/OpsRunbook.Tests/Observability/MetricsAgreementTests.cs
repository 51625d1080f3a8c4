using System;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;
using Xunit;

namespace OpsRunbook.Tests.Observability
{
    /// <summary>
    /// The scenario: traffic with a known share of 5xx answers and slow requests; the service's own
    /// metrics read twice (Get-ServiceMetric -Interval) and Prometheus's view of the same traffic agree with each
    /// other and with what was sent.
    /// </summary>
    public class MetricsAgreementTests
    {
        [Fact]
        public async Task Interval_metrics_and_Prometheus_agree_with_the_traffic_sent_on_error_rate_and_p95_bucket()
        {
            var scenario = Observe.Scenario("agree");
            var route = "/work/" + scenario;
            // 1,000 requests at 100 a second: every 10th a 500, every 10th (others) 300 ms slow.
            await Observe.TrafficAsync(scenario, requests: 1000, errorsPer100: 10, slowPer100: 10, slowMs: 300, perSecond: 100, concurrency: 32, background: true);
            await Task.Delay(1500);
            var request = new ServiceMetricRequest(new Uri(TestBed.HttpUrl + "/metrics"), new[] { "http_requests_total", "http_request_duration_seconds" },
                TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
            var metrics = (await new ServiceMetricReader().ReadAsync(request, OperationReporter.None, CancellationToken.None))
                .Where(m => (string?)m.Labels["route"] == route).ToList();

            var sent = await Observe.UntilAsync(() => Observe.TrafficReportAsync(scenario), r => r.GetProperty("done").GetBoolean(), TimeSpan.FromSeconds(60), "the traffic");
            Assert.Equal(1000, sent.GetProperty("sent").GetInt32());
            Assert.Equal(100, sent.GetProperty("errors").GetInt32());
            Assert.Equal(100, sent.GetProperty("slow").GetInt32());

            // Get-ServiceMetric -Interval: rates per second from two scrapes.
            var errorRate = metrics.Single(m => m.Name == "http_requests_total" && (string?)m.Labels["status"] == "500").Rate!.Value;
            var totalRate = metrics.Where(m => m.Name == "http_requests_total").Sum(m => m.Rate!.Value);
            var intervalShare = errorRate / totalRate;
            Assert.InRange(totalRate, 60, 140);
            Assert.InRange(intervalShare, 0.09, 0.11);
            var histogram = metrics.Single(m => m.Name == "http_request_duration_seconds");
            Assert.InRange(histogram.P95!.Value, 0.25, 0.5);

            // Prometheus, over the whole of the traffic (it scrapes every second; wait for the last scrape).
            await Task.Delay(2500);
            var prometheus = Observe.Prometheus();
            var selector = $"route=\"{route}\"";
            var share = (await prometheus.QueryAsync($"sum(increase(http_requests_total{{{selector},status=~\"5..\"}}[1m])) / sum(increase(http_requests_total{{{selector}}}[1m]))",
                null, OperationReporter.None, CancellationToken.None)).Single().Value!.Value;
            var p95 = (await prometheus.QueryAsync($"histogram_quantile(0.95, sum by (le) (increase(http_request_duration_seconds_bucket{{{selector}}}[1m])))",
                null, OperationReporter.None, CancellationToken.None)).Single().Value!.Value;
            Assert.InRange(share, 0.09, 0.11);
            Assert.InRange(Math.Abs(share - intervalShare), 0, 0.01);
            Assert.InRange(p95, 0.25, 0.5);

            // The JSON metrics of seed 002's shape say the same; jq reads them as the runbook does.
            var errorRateJson = Observe.Run("sh", "-c", $"curl -s '{TestBed.HttpUrl}/api/metrics?scenario={scenario}' | jq '.error_rate'");
            Assert.Equal(0.1, double.Parse(errorRateJson.Trim(), System.Globalization.CultureInfo.InvariantCulture), 6);
        }

        [Fact]
        public async Task Reads_seed_002_JSON_metrics_and_rates_of_its_totals()
        {
            var scenario = Observe.Scenario("json");
            await Observe.TrafficAsync(scenario, requests: 200, errorsPer100: 2, cacheHitsPer100: 85);
            var uri = new Uri($"{TestBed.HttpUrl}/api/metrics?scenario={scenario}");

            var metrics = (await new ServiceMetricReader().ReadAsync(new ServiceMetricRequest(uri, Array.Empty<string>(), null, TimeSpan.FromSeconds(10)),
                OperationReporter.None, CancellationToken.None)).ToDictionary(m => m.Name);

            Assert.All(metrics.Values, m => Assert.Equal(MetricType.Json, m.Type));
            Assert.Equal(0.02, metrics["error_rate"].Value!.Value, 6);
            Assert.Equal(0.85, metrics["cache_hit_rate"].Value!.Value, 6);
            Assert.True(metrics["avg_response_time"].Value > 0);
            Assert.Equal(170, metrics["cache.hits_total"].Value);
            Assert.DoesNotContain("status", metrics.Keys);
        }

        [Fact]
        public async Task An_endpoint_that_is_down_or_not_metrics_is_a_specific_error()
        {
            var reader = new ServiceMetricReader();
            var closed = await Assert.ThrowsAsync<OpsRunbookException>(() => reader.ReadAsync(
                new ServiceMetricRequest(new Uri($"http://127.0.0.1:{TestBed.ClosedPort()}/metrics"), Array.Empty<string>(), null, TimeSpan.FromSeconds(5)),
                OperationReporter.None, CancellationToken.None));
            var missing = await Assert.ThrowsAsync<OpsRunbookException>(() => reader.ReadAsync(
                new ServiceMetricRequest(new Uri(TestBed.HttpUrl + "/status/404"), Array.Empty<string>(), null, TimeSpan.FromSeconds(5)),
                OperationReporter.None, CancellationToken.None));
            var notMetrics = await Assert.ThrowsAsync<OpsRunbookException>(() => reader.ReadAsync(
                new ServiceMetricRequest(new Uri(TestBed.HttpUrl + "/text"), Array.Empty<string>(), null, TimeSpan.FromSeconds(5)),
                OperationReporter.None, CancellationToken.None));

            Assert.Equal("MetricsEndpointUnreachable", closed.ErrorId);
            Assert.Contains("connection refused", closed.Message);
            Assert.Equal("MetricsEndpointFailed", missing.ErrorId);
            Assert.Equal("MetricsParseFailed", notMetrics.ErrorId);
        }
    }
}
