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
    /// <summary>A range query's window and resolution.</summary>
    public sealed record PrometheusRange(DateTimeOffset Start, DateTimeOffset End, TimeSpan Step);

    /// <summary>
    /// The Prometheus HTTP API: instant and range queries (/api/v1/query, /api/v1/query_range) and the alerts
    /// Prometheus reports (/api/v1/alerts). PromQL errors keep Prometheus's own message.
    /// </summary>
    public sealed class PrometheusClient
    {
        public const string DefaultUri = "http://localhost:9090";
        public const string UriVariable = "PROMETHEUS_URL";

        private const string UnreachableFix = "Check -PrometheusUri (or PROMETHEUS_URL) and that Prometheus runs: curl <uri>/-/ready.";

        private readonly Uri _base;
        private readonly TimeSpan _timeout;

        public PrometheusClient(Uri baseUri, TimeSpan timeout)
        {
            _base = new Uri(baseUri.ToString().TrimEnd('/') + "/");
            _timeout = timeout;
        }

        public Uri BaseUri => _base;

        /// <summary>-PrometheusUri, else PROMETHEUS_URL, else http://localhost:9090.</summary>
        public static Uri ResolveUri(string? given, Func<string, string?> environment)
        {
            var text = !string.IsNullOrWhiteSpace(given) ? given! : environment(UriVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultUri;
            return ObservabilityHttp.RequireHttpUri(text, "PrometheusUri", "http://localhost:9090");
        }

        /// <summary>The step a range query gets when none is given: about 250 points, at least one second.</summary>
        public static TimeSpan DefaultStep(DateTimeOffset start, DateTimeOffset end) =>
            TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((end - start).TotalSeconds / 250)));

        public async Task<IReadOnlyList<PrometheusSeries>> QueryAsync(string query, DateTimeOffset? time, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var parameters = new List<KeyValuePair<string, string>> { new("query", query) };
            if (time is DateTimeOffset at)
            {
                parameters.Add(new("time", Seconds(at)));
            }

            var data = await PostAsync("api/v1/query", parameters, query, reporter, cancellationToken).ConfigureAwait(false);
            return ReadResult(data, query);
        }

        public async Task<IReadOnlyList<PrometheusSeries>> QueryRangeAsync(string query, PrometheusRange range, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            if (range.End < range.Start)
            {
                throw Failures.InvalidArgument(ObservabilityErrors.InvalidQueryRange, $"-End ({range.End:u}) is before -Start ({range.Start:u}).", query, "Give -Start before -End.");
            }

            if (range.Step <= TimeSpan.Zero || (range.End - range.Start).TotalSeconds / range.Step.TotalSeconds > 11000)
            {
                throw Failures.InvalidArgument(ObservabilityErrors.InvalidQueryStep,
                    $"-Step {range.Step} gives {(range.End - range.Start).TotalSeconds / Math.Max(range.Step.TotalSeconds, 1e-9):0} points; Prometheus answers at most 11,000 per series.",
                    query, "Give a larger -Step or a shorter range.");
            }

            var parameters = new List<KeyValuePair<string, string>>
            {
                new("query", query),
                new("start", Seconds(range.Start)),
                new("end", Seconds(range.End)),
                new("step", range.Step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)),
            };
            var data = await PostAsync("api/v1/query_range", parameters, query, reporter, cancellationToken).ConfigureAwait(false);
            return ReadResult(data, query);
        }

        public async Task<IReadOnlyList<PrometheusAlert>> AlertsAsync(IOperationReporter reporter, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, "api/v1/alerts"));
            var data = await SendAsync(request, "the alerts", reporter, cancellationToken).ConfigureAwait(false);
            var alerts = new List<PrometheusAlert>();
            if (!data.TryGetProperty("alerts", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return alerts;
            }

            foreach (var alert in list.EnumerateArray())
            {
                var labels = Labels(alert, "labels");
                var annotations = Labels(alert, "annotations");
                var state = (alert.TryGetProperty("state", out var s) ? s.GetString() : null)?.ToLowerInvariant() switch
                {
                    "firing" => AlertState.Firing,
                    "pending" => AlertState.Pending,
                    _ => AlertState.Inactive,
                };
                alerts.Add(new PrometheusAlert(labels["alertname"] as string ?? "(unnamed)", state)
                {
                    Severity = labels["severity"] as string,
                    Summary = annotations["summary"] as string ?? annotations["description"] as string,
                    Labels = labels,
                    Annotations = annotations,
                    ActiveAt = alert.TryGetProperty("activeAt", out var at) && at.ValueKind == JsonValueKind.String &&
                        DateTimeOffset.TryParse(at.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : null,
                    Value = alert.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? PrometheusTextParser.ParseValue(v.GetString()!) : null,
                    Source = _base.ToString(),
                });
            }

            return alerts;
        }

        private Task<JsonElement> PostAsync(string path, List<KeyValuePair<string, string>> parameters, string query, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            // POST keeps long queries out of URL length limits; Prometheus takes both.
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, path)) { Content = new FormUrlEncodedContent(parameters) };
            return SendAndDisposeAsync(request, query, reporter, cancellationToken);
        }

        private async Task<JsonElement> SendAndDisposeAsync(HttpRequestMessage request, string query, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            using (request)
            {
                return await SendAsync(request, query, reporter, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<JsonElement> SendAsync(HttpRequestMessage request, string what, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            if (reporter.IsVerbose)
            {
                reporter.Verbose($"{request.Method} {request.RequestUri}: {what}");
            }

            var (status, _, body) = await ObservabilityHttp.SendAsync(request, _timeout, ObservabilityErrors.PrometheusUnreachable,
                $"Prometheus at {_base}", UnreachableFix, cancellationToken).ConfigureAwait(false);
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(body);
                root = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new OpsRunbookException(ObservabilityErrors.PrometheusUnexpectedAnswer, FailureCategory.InvalidData,
                    $"{_base} answered HTTP {status} with something that is not the Prometheus API's JSON.", _base.ToString(),
                    "Check that -PrometheusUri is the Prometheus server itself (the address of its web UI), not a service's /metrics.");
            }

            var ok = root.TryGetProperty("status", out var state) && state.GetString() == "success";
            if (!ok)
            {
                var errorType = root.TryGetProperty("errorType", out var type) ? type.GetString() : null;
                var message = root.TryGetProperty("error", out var error) ? error.GetString() : $"HTTP {status}";
                if (errorType == "bad_data")
                {
                    throw new OpsRunbookException(ObservabilityErrors.InvalidPromQL, FailureCategory.InvalidArgument,
                        $"Prometheus rejected the query: {message}", what, "Fix the PromQL; try it in the Prometheus web UI's expression browser.");
                }

                throw new OpsRunbookException(ObservabilityErrors.PrometheusQueryFailed, status == 503 ? FailureCategory.ResourceUnavailable : FailureCategory.InvalidOperation,
                    $"Prometheus could not answer ({errorType ?? "HTTP " + status}): {message}", what,
                    errorType == "timeout" ? "Query a shorter range or a coarser -Step." : "Check Prometheus's own log.");
            }

            if (root.TryGetProperty("warnings", out var warnings) && warnings.ValueKind == JsonValueKind.Array)
            {
                foreach (var warning in warnings.EnumerateArray())
                {
                    reporter.Warning($"Prometheus: {warning.GetString()}");
                }
            }

            return root.TryGetProperty("data", out var data) ? data : default;
        }

        private static IReadOnlyList<PrometheusSeries> ReadResult(JsonElement data, string query)
        {
            var type = data.GetProperty("resultType").GetString() ?? "vector";
            var result = data.GetProperty("result");
            switch (type)
            {
                case "scalar" or "string":
                    return new[]
                    {
                        new PrometheusSeries(query, type, new Hashtable(StringComparer.OrdinalIgnoreCase))
                        {
                            Timestamp = Time(result[0]),
                            Value = PrometheusTextParser.ParseValue(result[1].GetString() ?? string.Empty),
                        },
                    };
                case "matrix":
                    return result.EnumerateArray().Select(series => new PrometheusSeries(query, type, Labels(series, "metric"))
                    {
                        Values = series.GetProperty("values").EnumerateArray()
                            .Select(pair => new PrometheusSample(Time(pair[0]), PrometheusTextParser.ParseValue(pair[1].GetString() ?? string.Empty) ?? double.NaN))
                            .ToArray(),
                    }).ToList();
                default:
                    return result.EnumerateArray().Select(series =>
                    {
                        var value = series.GetProperty("value");
                        return new PrometheusSeries(query, type, Labels(series, "metric"))
                        {
                            Timestamp = Time(value[0]),
                            Value = PrometheusTextParser.ParseValue(value[1].GetString() ?? string.Empty),
                        };
                    }).ToList();
            }
        }

        private static Hashtable Labels(JsonElement parent, string property)
        {
            var labels = new Hashtable(StringComparer.OrdinalIgnoreCase);
            if (parent.TryGetProperty(property, out var set) && set.ValueKind == JsonValueKind.Object)
            {
                foreach (var label in set.EnumerateObject())
                {
                    labels[label.Name] = label.Value.GetString();
                }
            }

            return labels;
        }

        private static DateTimeOffset Time(JsonElement seconds) =>
            DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds.GetDouble() * 1000));

        private static string Seconds(DateTimeOffset time) =>
            (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
    }
}
