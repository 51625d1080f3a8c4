using System;
using System.Linq;
using System.Threading.Tasks;
using OpsRunbook.Engine.Observability;
using Xunit;

namespace OpsRunbook.Tests.Observability
{
    public class PrometheusTextParserTests
    {
        private const string Exposition = """
            # HELP http_requests_total HTTP requests served.
            # TYPE http_requests_total counter
            http_requests_total{route="/analyze",status="200"} 1027 1764240000000
            http_requests_total{route="/analyze",status="500"} 3
            # A free comment, ignored.
            # TYPE queue_depth gauge
            queue_depth 7.5
            # HELP http_request_duration_seconds Time to serve.\nSecond line.
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{route="/a",le="0.1"} 2
            http_request_duration_seconds_bucket{route="/a",le="0.5"} 8
            http_request_duration_seconds_bucket{route="/a",le="+Inf"} 10
            http_request_duration_seconds_sum{route="/a"} 3.5
            http_request_duration_seconds_count{route="/a"} 10
            # TYPE rpc_seconds summary
            rpc_seconds{quantile="0.5"} 0.2
            rpc_seconds{quantile="0.99"} NaN
            rpc_seconds_sum 12
            rpc_seconds_count 40
            weird{path="C:\\temp\\x",msg="say \"hi\"\nbye",}   -Inf
            untyped_thing +Inf
            """;

        [Fact]
        public void Reads_counters_gauges_histograms_summaries_labels_and_special_values()
        {
            var families = PrometheusTextParser.Parse(Exposition).ToDictionary(f => f.Name);

            var counter = families["http_requests_total"];
            Assert.Equal(MetricType.Counter, counter.Type);
            Assert.Equal("HTTP requests served.", counter.Help);
            Assert.Equal(new[] { 1027.0, 3.0 }, counter.Samples.Select(s => s.Value));
            Assert.Equal(1764240000000, counter.Samples[0].TimestampMs);
            Assert.Equal("500", counter.Samples[1].Labels["status"]);

            Assert.Equal(7.5, families["queue_depth"].Samples.Single().Value);
            Assert.Equal(MetricType.Gauge, families["queue_depth"].Type);

            var histogram = families["http_request_duration_seconds"];
            Assert.Equal(MetricType.Histogram, histogram.Type);
            Assert.Equal("Time to serve.\nSecond line.", histogram.Help);
            Assert.Equal(5, histogram.Samples.Count);
            Assert.Equal("+Inf", histogram.Samples[2].Labels["le"]);

            var summary = families["rpc_seconds"];
            Assert.Equal(MetricType.Summary, summary.Type);
            Assert.True(double.IsNaN(summary.Samples[1].Value));
            Assert.Equal(40, summary.Samples.Single(s => s.Name == "rpc_seconds_count").Value);

            var weird = families["weird"].Samples.Single();
            Assert.Equal(@"C:\temp\x", weird.Labels["path"]);
            Assert.Equal("say \"hi\"\nbye", weird.Labels["msg"]);
            Assert.Equal(double.NegativeInfinity, weird.Value);
            Assert.Equal(MetricType.Untyped, families["weird"].Type);
            Assert.Equal(double.PositiveInfinity, families["untyped_thing"].Samples.Single().Value);
        }

        [Theory]
        [InlineData("NaN")]
        [InlineData("+Inf")]
        [InlineData("Infinity")]
        [InlineData("-Infinity")]
        [InlineData("1e-3")]
        public void Reads_every_spelling_of_a_value(string text)
        {
            Assert.NotNull(PrometheusTextParser.ParseValue(text));
        }

        [Theory]
        [InlineData("metric{label=\"unclosed} 1", "not closed")]
        [InlineData("metric 12abc", "not a number")]
        [InlineData("metric{label=value} 1", "name=\"value\"")]
        [InlineData("metric", "no value")]
        public void A_broken_line_is_MetricsParseFailed_naming_the_line(string line, string reason)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => PrometheusTextParser.Parse("# TYPE ok gauge\nok 1\n" + line));

            Assert.Equal("MetricsParseFailed", ex.ErrorId);
            Assert.Contains("Line 3", ex.Message);
            Assert.Contains(reason, ex.Message);
        }

        [Fact]
        public async Task Reads_what_the_prometheus_net_library_writes()
        {
            // The test service's /metrics comes from prometheus-net itself; curl is the independent witness.
            var text = Observe.Run("curl", "-s", "--max-time", "10", TestBed.HttpUrl + "/metrics");
            var families = PrometheusTextParser.Parse(text).ToDictionary(f => f.Name);

            Assert.Equal(MetricType.Counter, families["http_requests_total"].Type);
            Assert.Equal(MetricType.Histogram, families["http_request_duration_seconds"].Type);
            Assert.Equal(MetricType.Summary, families["http_request_latency_seconds"].Type);
            Assert.Equal(MetricType.Counter, families["process_cpu_seconds_total"].Type);
            Assert.Equal("a \"quoted\" \\ back\\slash\nand a new line", families["opsrunbook_test_label_escaping"].Samples.Single().Labels["value"]);
            var special = families["opsrunbook_test_special_values"].Samples.ToDictionary(s => s.Labels["kind"], s => s.Value);
            Assert.True(double.IsNaN(special["nan"]));
            Assert.Equal(double.PositiveInfinity, special["inf"]);
            Assert.Equal(double.NegativeInfinity, special["negative_inf"]);

            // Buckets of every histogram series are cumulative and end in +Inf equal to _count.
            var histogram = families["http_request_duration_seconds"];
            foreach (var series in histogram.Samples.Where(s => s.Name.EndsWith("_bucket")).GroupBy(s => s.Labels["route"]))
            {
                var counts = series.Select(s => s.Value).ToList();
                Assert.Equal(counts.OrderBy(c => c), counts);
                Assert.Equal("+Inf", series.Last().Labels["le"]);
                Assert.Equal(histogram.Samples.Single(s => s.Name.EndsWith("_count") && s.Labels["route"] == series.Key).Value, counts.Last());
            }

            await Task.CompletedTask;
        }
    }

    public class HistogramQuantileTests
    {
        private static MetricBucket[] Buckets(params (double Le, double Count)[] buckets) => buckets.Select(b => new MetricBucket(b.Le, b.Count)).ToArray();

        [Fact]
        public void Interpolates_within_the_bucket_that_holds_the_rank_as_PromQL_does()
        {
            var buckets = Buckets((0.1, 50), (0.5, 90), (1, 100), (double.PositiveInfinity, 100));

            Assert.Equal(0.1, HistogramQuantile.Compute(0.5, buckets)!.Value, 9);
            Assert.Equal(0.75, HistogramQuantile.Compute(0.95, buckets)!.Value, 9);
            Assert.Equal(0.3, HistogramQuantile.Compute(0.7, buckets)!.Value, 9);
        }

        [Fact]
        public void A_rank_in_the_Inf_bucket_answers_the_highest_finite_bound_and_no_observations_answer_nothing()
        {
            Assert.Equal(1, HistogramQuantile.Compute(0.99, Buckets((0.5, 10), (1, 20), (double.PositiveInfinity, 100))));
            Assert.Null(HistogramQuantile.Compute(0.5, Buckets((0.5, 0), (double.PositiveInfinity, 0))));
            Assert.Null(HistogramQuantile.Compute(0.5, Buckets((0.5, 3))));
        }
    }
}
