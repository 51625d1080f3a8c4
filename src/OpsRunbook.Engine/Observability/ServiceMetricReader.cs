using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>Which metrics to read from a service's own endpoint, and whether to scrape twice.</summary>
    /// <param name="Names">Metric names, wildcards allowed; empty for all.</param>
    /// <param name="Interval">When set: scrape, wait this long, scrape again, and report rates and interval percentiles.</param>
    public sealed record ServiceMetricRequest(Uri Uri, IReadOnlyList<string> Names, TimeSpan? Interval, TimeSpan Timeout);

    /// <summary>
    /// Reads a service's metrics endpoint without Prometheus, in both shapes the seeds have: the Prometheus text
    /// format (prometheus-net, client_golang, prom-client...) and a flat JSON object (seed 002's error_rate,
    /// cache_hit_rate, avg_response_time). Histograms get p50/p95/p99 from their buckets; two scrapes give per-second
    /// rates of counters and the percentiles of that interval alone.
    /// </summary>
    public sealed class ServiceMetricReader
    {
        private const string Fix = "Check the URI (curl it) and that the service is running; give -TimeoutSec for a slow endpoint.";

        /// <summary>A metrics endpoint as given: an absolute http(s) URI, or InvalidUri naming the parameter.</summary>
        public static Uri EndpointUri(string text, string parameter) => ObservabilityHttp.RequireHttpUri(text, parameter, "http://localhost:8000/metrics");

        public async Task<IReadOnlyList<ServiceMetric>> ReadAsync(ServiceMetricRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var first = await ScrapeAsync(request, reporter, cancellationToken).ConfigureAwait(false);
            if (request.Interval is not TimeSpan interval)
            {
                return Select(first, request.Names).Select(s => s.ToMetric(null, null)).ToList();
            }

            reporter.Progress(new OperationProgress($"Reading {request.Uri}", $"waiting {interval.TotalSeconds:0.#} s for the second scrape", -1));
            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            var second = await ScrapeAsync(request, reporter, cancellationToken).ConfigureAwait(false);
            reporter.Progress(new OperationProgress($"Reading {request.Uri}", "Done", 100, Completed: true));
            var earlier = first.Series.ToDictionary(s => s.Key, StringComparer.Ordinal);
            var elapsed = second.ScrapedAt - first.ScrapedAt;
            return Select(second, request.Names)
                .Select(s => s.ToMetric(earlier.TryGetValue(s.Key, out var before) ? before : null, elapsed))
                .ToList();
        }

        private static IEnumerable<Series> Select(Scrape scrape, IReadOnlyList<string> names) =>
            names.Count == 0 ? scrape.Series : scrape.Series.Where(s => names.Any(n => NamePattern.IsMatch(s.Name, n)));

        private static async Task<Scrape> ScrapeAsync(ServiceMetricRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            if (reporter.IsVerbose)
            {
                reporter.Verbose($"GET {request.Uri}");
            }

            using var message = new HttpRequestMessage(HttpMethod.Get, request.Uri);
            // The classic text format first: OpenMetrics adds _created series and exemplars that say nothing here.
            message.Headers.Accept.Add(ObservabilityHttp.Accept("text/plain"));
            message.Headers.Accept.Add(ObservabilityHttp.Accept("application/json", 0.9));
            message.Headers.Accept.Add(ObservabilityHttp.Accept("*/*", 0.1));
            var (status, contentType, body) = await ObservabilityHttp.SendAsync(message, request.Timeout, ObservabilityErrors.MetricsEndpointUnreachable,
                $"The metrics endpoint {request.Uri}", Fix, cancellationToken).ConfigureAwait(false);
            var scrapedAt = DateTimeOffset.Now;
            if (status is < 200 or > 299)
            {
                throw new OpsRunbookException(ObservabilityErrors.MetricsEndpointFailed, FailureCategory.ResourceUnavailable,
                    $"The metrics endpoint {request.Uri} answered HTTP {status}.", request.Uri.ToString(), "Check the path (often /metrics) and the service's log.");
            }

            var source = request.Uri.ToString();
            var trimmed = body.TrimStart();
            var series = contentType.Contains("json", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith('{')
                ? FromJson(body, source)
                : FromText(body, source);
            return new Scrape(scrapedAt, series.Select(s => s with { ScrapedAt = scrapedAt }).ToList());
        }

        private static IEnumerable<Series> FromText(string body, string source)
        {
            IReadOnlyList<MetricFamily> families;
            try
            {
                families = PrometheusTextParser.Parse(body);
            }
            catch (OpsRunbookException ex)
            {
                throw new OpsRunbookException(ex.ErrorId, ex.Category, $"{source}: {ex.Message}", source, ex.RecommendedAction, ex);
            }

            foreach (var family in families)
            {
                var groups = family.Samples
                    .GroupBy(s => SeriesKey(family.Name, s.Labels), StringComparer.Ordinal);
                foreach (var group in groups)
                {
                    var labels = new Hashtable(StringComparer.OrdinalIgnoreCase);
                    foreach (var pair in group.First().Labels.Where(l => l.Key is not "le" and not "quantile"))
                    {
                        labels[pair.Key] = pair.Value;
                    }

                    yield return new Series(group.Key, family.Name, family.Type, family.Help, labels, source, group.ToList());
                }
            }
        }

        private static string SeriesKey(string family, IReadOnlyDictionary<string, string> labels) =>
            family + "{" + string.Join(",", labels.Where(l => l.Key is not "le" and not "quantile").OrderBy(l => l.Key, StringComparer.Ordinal)
                .Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

        private static IEnumerable<Series> FromJson(string body, string source)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException ex)
            {
                throw new OpsRunbookException(ObservabilityErrors.MetricsParseFailed, FailureCategory.ParserError,
                    $"{source} answered JSON that does not parse: {ex.Message}", source, "Check what the endpoint serves (curl it).", ex);
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new OpsRunbookException(ObservabilityErrors.MetricsParseFailed, FailureCategory.ParserError,
                        $"{source} answered JSON that is not an object of metrics.", source, "Point -Uri at the endpoint that serves the metrics object.");
                }

                var fields = new List<(string Name, double Value)>();
                Flatten(document.RootElement, string.Empty, fields);
                foreach (var (name, value) in fields)
                {
                    var sample = new MetricSampleLine(name, new Dictionary<string, string>(), value, null);
                    yield return new Series(name, name, MetricType.Json, null, new Hashtable(), source, new List<MetricSampleLine> { sample });
                }
            }
        }

        // Nested objects become dotted names (cache.hit_rate); strings and arrays are not metrics.
        private static void Flatten(JsonElement element, string prefix, List<(string, double)> fields)
        {
            foreach (var property in element.EnumerateObject())
            {
                var name = prefix.Length == 0 ? property.Name : prefix + "." + property.Name;
                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.Number:
                        fields.Add((name, property.Value.GetDouble()));
                        break;
                    case JsonValueKind.True or JsonValueKind.False:
                        fields.Add((name, property.Value.GetBoolean() ? 1 : 0));
                        break;
                    case JsonValueKind.Object:
                        Flatten(property.Value, name, fields);
                        break;
                }
            }
        }

        private sealed record Scrape(DateTimeOffset ScrapedAt, IReadOnlyList<Series> Series);

        /// <summary>All samples of one series in one scrape.</summary>
        private sealed record Series(string Key, string Name, MetricType Type, string? Help, Hashtable Labels, string Source, List<MetricSampleLine> Samples)
        {
            public DateTimeOffset ScrapedAt { get; init; }

            private double? Plain => Samples.FirstOrDefault(s => s.Name == Name || s.Name == Name + "_total")?.Value;

            private double? Suffixed(string suffix) => Samples.FirstOrDefault(s => s.Name == Name + suffix)?.Value;

            private List<MetricBucket> Buckets() => Samples
                .Where(s => s.Name == Name + "_bucket" && s.Labels.TryGetValue("le", out _))
                .Select(s => new MetricBucket(PrometheusTextParser.ParseValue(s.Labels["le"]) ?? double.NaN, s.Value))
                .OrderBy(b => b.UpperBound)
                .ToList();

            public ServiceMetric ToMetric(Series? before, TimeSpan? elapsed)
            {
                var seconds = elapsed?.TotalSeconds;
                double? Rate(double? now, double? then) =>
                    seconds is > 0 && now is double n
                        ? (then is double t && n >= t ? n - t : n) / seconds.Value // a counter that went down was reset: count from zero
                        : null;

                switch (Type)
                {
                    case MetricType.Histogram:
                    {
                        var buckets = Buckets();
                        var window = buckets;
                        if (before is not null && seconds is not null)
                        {
                            var earlier = before.Buckets().ToDictionary(b => b.UpperBound);
                            var reset = buckets.Any(b => earlier.TryGetValue(b.UpperBound, out var e) && b.Count < e.Count);
                            window = buckets.Select(b => new MetricBucket(b.UpperBound,
                                !reset && earlier.TryGetValue(b.UpperBound, out var e) ? b.Count - e.Count : b.Count)).ToList();
                        }

                        return new ServiceMetric(Name, Type, Labels)
                        {
                            Count = Suffixed("_count"),
                            Sum = Suffixed("_sum"),
                            Rate = before is null ? null : Rate(Suffixed("_count"), before.Suffixed("_count")),
                            Buckets = window.ToArray(),
                            P50 = HistogramQuantile.Compute(0.50, window),
                            P95 = HistogramQuantile.Compute(0.95, window),
                            P99 = HistogramQuantile.Compute(0.99, window),
                            Help = Help,
                            Source = Source,
                            ScrapedAt = ScrapedAt,
                            Interval = elapsed,
                        };
                    }

                    case MetricType.Summary:
                    {
                        var quantiles = new Hashtable(StringComparer.OrdinalIgnoreCase);
                        foreach (var sample in Samples.Where(s => s.Name == Name && s.Labels.ContainsKey("quantile")))
                        {
                            quantiles[sample.Labels["quantile"]] = sample.Value;
                        }

                        double? Quantile(double q) => Samples.FirstOrDefault(s => s.Name == Name && s.Labels.TryGetValue("quantile", out var text) &&
                            PrometheusTextParser.ParseValue(text) is double v && Math.Abs(v - q) < 1e-9)?.Value;
                        return new ServiceMetric(Name, Type, Labels)
                        {
                            Count = Suffixed("_count"),
                            Sum = Suffixed("_sum"),
                            Rate = before is null ? null : Rate(Suffixed("_count"), before.Suffixed("_count")),
                            Quantiles = quantiles,
                            P50 = Quantile(0.5),
                            P95 = Quantile(0.95),
                            P99 = Quantile(0.99),
                            Help = Help,
                            Source = Source,
                            ScrapedAt = ScrapedAt,
                            Interval = elapsed,
                        };
                    }

                    default:
                    {
                        var value = Plain ?? Samples[0].Value;
                        // Rates for what only goes up: counters, and JSON totals by their name.
                        var monotonic = Type == MetricType.Counter ||
                            (Type is MetricType.Json or MetricType.Untyped && (Name.EndsWith("_total", StringComparison.Ordinal) || Name.EndsWith("_count", StringComparison.Ordinal)));
                        return new ServiceMetric(Name, Type, Labels)
                        {
                            Value = value,
                            Rate = monotonic && before is not null ? Rate(value, before.Plain ?? before.Samples[0].Value) : null,
                            Help = Help,
                            Source = Source,
                            ScrapedAt = ScrapedAt,
                            Interval = elapsed,
                        };
                    }
                }
            }
        }
    }
}
