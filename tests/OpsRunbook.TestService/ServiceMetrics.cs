using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

/// <summary>
/// The service's own metrics, as a service instrumented with prometheus-net exposes them at /metrics (request
/// counter by route and status, duration histogram, errors by type, a latency summary), plus the totals
/// seed 002's JSON /api/metrics reports (error_rate, cache_hit_rate, avg_response_time).
/// </summary>
internal static class ServiceMetrics
{
    // Seed 000's and 004's alert expressions use these names and labels.
    public static readonly Counter Requests = Metrics.CreateCounter("http_requests_total", "HTTP requests served, by route and status code.",
        new CounterConfiguration { LabelNames = new[] { "route", "status" } });

    public static readonly Histogram Duration = Metrics.CreateHistogram("http_request_duration_seconds", "Time to serve an HTTP request.",
        new HistogramConfiguration { LabelNames = new[] { "route" }, Buckets = new[] { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 } });

    public static readonly Counter Errors = Metrics.CreateCounter("http_request_errors_total", "HTTP requests answered with a 5xx, by route and error type.",
        new CounterConfiguration { LabelNames = new[] { "route", "error_type" } });

    public static readonly Summary Latency = Metrics.CreateSummary("http_request_latency_seconds", "Time to serve an HTTP request, as quantiles the service computes.",
        new SummaryConfiguration
        {
            Objectives = new[] { new QuantileEpsilonPair(0.5, 0.05), new QuantileEpsilonPair(0.95, 0.01), new QuantileEpsilonPair(0.99, 0.001) },
        });

    // Fixed oddities of the text format, written by the library itself, for the parser's tests.
    public static readonly Gauge LabelEscaping = Metrics.CreateGauge("opsrunbook_test_label_escaping", "A label value with quotes, a backslash and a new line.",
        new GaugeConfiguration { LabelNames = new[] { "value" } });

    public static readonly Gauge SpecialValues = Metrics.CreateGauge("opsrunbook_test_special_values", "NaN and infinities.",
        new GaugeConfiguration { LabelNames = new[] { "kind" } });

    private static readonly ConcurrentDictionary<string, Totals> ByScenario = new();
    private static readonly Totals All = new();

    public static void Initialize()
    {
        LabelEscaping.WithLabels("a \"quoted\" \\ back\\slash\nand a new line").Set(1);
        SpecialValues.WithLabels("nan").Set(double.NaN);
        SpecialValues.WithLabels("inf").Set(double.PositiveInfinity);
        SpecialValues.WithLabels("negative_inf").Set(double.NegativeInfinity);
    }

    /// <summary>Counts every request except the scrapes themselves, so scraping does not change what is scraped.</summary>
    public static async Task Middleware(HttpContext context, Func<Task> next)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (path is "/metrics" or "/api/metrics" || path.StartsWith("/traffic", StringComparison.Ordinal))
        {
            await next();
            return;
        }

        var clock = Stopwatch.StartNew();
        try
        {
            await next();
        }
        finally
        {
            var seconds = clock.Elapsed.TotalSeconds;
            var route = Route(context);
            var status = context.Response.StatusCode;
            Requests.WithLabels(route, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
            Duration.WithLabels(route).Observe(seconds);
            Latency.Observe(seconds);
            if (status >= 500)
            {
                Errors.WithLabels(route, status switch { 503 => "unavailable", 504 => "upstream_timeout", _ => "internal" }).Inc();
            }

            var cache = context.Items.TryGetValue("cache", out var hit) ? hit as bool? : null;
            All.Add(status >= 500, seconds, cache);
            if (context.Request.RouteValues.TryGetValue("scenario", out var scenario) && scenario is string name)
            {
                ByScenario.GetOrAdd(name, _ => new Totals()).Add(status >= 500, seconds, cache);
            }
        }
    }

    /// <summary>Seed 002's /metrics JSON: for the whole service, or one traffic scenario with ?scenario=.</summary>
    public static object Json(string? scenario)
    {
        var totals = scenario is null ? All : ByScenario.GetOrAdd(scenario, _ => new Totals());
        return totals.Snapshot();
    }

    // The route template, with a traffic scenario's name filled in so that tests can tell their own traffic apart.
    private static string Route(HttpContext context)
    {
        if (context.GetEndpoint() is not RouteEndpoint endpoint)
        {
            return "unmatched";
        }

        var template = endpoint.RoutePattern.RawText ?? "unmatched";
        return context.Request.RouteValues.TryGetValue("scenario", out var scenario) && scenario is string name
            ? template.Replace("{scenario}", name, StringComparison.Ordinal)
            : template;
    }

    private sealed class Totals
    {
        private readonly object _gate = new();
        private long _requests;
        private long _errors;
        private double _seconds;
        private long _hits;
        private long _misses;

        public void Add(bool error, double seconds, bool? cacheHit)
        {
            lock (_gate)
            {
                _requests++;
                _errors += error ? 1 : 0;
                _seconds += seconds;
                _hits += cacheHit == true ? 1 : 0;
                _misses += cacheHit == false ? 1 : 0;
            }
        }

        public object Snapshot()
        {
            lock (_gate)
            {
                return new
                {
                    error_rate = _requests == 0 ? 0 : (double)_errors / _requests,
                    cache_hit_rate = _hits + _misses == 0 ? 0 : (double)_hits / (_hits + _misses),
                    avg_response_time = _requests == 0 ? 0 : _seconds / _requests,
                    requests_total = _requests,
                    errors_total = _errors,
                    cache = new { hits_total = _hits, misses_total = _misses },
                    status = "ok",
                };
            }
        }
    }
}
