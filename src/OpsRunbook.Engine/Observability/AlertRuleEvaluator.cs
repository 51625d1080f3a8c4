using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>
    /// Evaluates alerting rules now, as Prometheus would: a PromQL rule is Pending while its expression has
    /// results and Firing once it has had them for the whole of its for: (checked with a range query over that
    /// window); a threshold rule compares a service's own metric, read through <see cref="ServiceMetricReader"/>.
    /// </summary>
    public sealed class AlertRuleEvaluator
    {
        // A trailing comparison with a number: what the expression is compared against.
        private static readonly Regex TrailingComparison = new(@"^(?<lhs>.+?)\s*(?:>=|<=|==|!=|>|<)\s*(?:bool\s+)?[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$",
            RegexOptions.Singleline | RegexOptions.CultureInvariant);
        private static readonly Regex ValueTemplate = new(@"\{\{\s*(?:\$value|\.Value)\s*(?:\|\s*(?<fn>\w+)\s*)?\}\}", RegexOptions.CultureInvariant);
        private static readonly Regex LabelTemplate = new(@"\{\{\s*(?:\$labels|\.Labels)\.(?<name>\w+)\s*\}\}", RegexOptions.CultureInvariant);

        private readonly PrometheusClient? _prometheus;
        private readonly ServiceMetricRequest? _metrics;

        /// <param name="prometheus">For PromQL rules; null when none runs.</param>
        /// <param name="metrics">For threshold rules: the service endpoint to read.</param>
        public AlertRuleEvaluator(PrometheusClient? prometheus, ServiceMetricRequest? metrics)
        {
            _prometheus = prometheus;
            _metrics = metrics;
        }

        public async Task<AlertRuleResult> EvaluateAsync(AlertRule rule, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var now = DateTimeOffset.Now;
            return rule.Expression is not null
                ? await EvaluatePromQLAsync(rule, now, reporter, cancellationToken).ConfigureAwait(false)
                : await EvaluateThresholdAsync(rule, now, reporter, cancellationToken).ConfigureAwait(false);
        }

        private async Task<AlertRuleResult> EvaluatePromQLAsync(AlertRule rule, DateTimeOffset now, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var prometheus = _prometheus ?? throw new OpsRunbookException(ObservabilityErrors.PrometheusRequired, FailureCategory.InvalidArgument,
                $"The rule '{rule.Name}' is PromQL, which only Prometheus can evaluate.", rule.Name, "Give -PrometheusUri or set PROMETHEUS_URL.");
            var expression = rule.Expression!;
            IReadOnlyList<PrometheusSeries> active;
            try
            {
                active = await prometheus.QueryAsync(expression, now, reporter, cancellationToken).ConfigureAwait(false);
            }
            catch (OpsRunbookException ex) when (ex.ErrorId == ObservabilityErrors.InvalidPromQL)
            {
                throw new OpsRunbookException(ex.ErrorId, ex.Category, $"The rule '{rule.Name}' ({rule.Path}, line {rule.Line}): {ex.Message}", rule.Name, ex.RecommendedAction, ex);
            }

            var holding = active.Where(s => s.Value is double v && !double.IsNaN(v)).ToList();
            var state = AlertState.Inactive;
            if (holding.Count > 0)
            {
                state = rule.For <= TimeSpan.Zero || await HeldThroughoutAsync(prometheus, expression, rule.For, now, reporter, cancellationToken).ConfigureAwait(false)
                    ? AlertState.Firing
                    : AlertState.Pending;
            }

            // The value to show: the largest active series, else what the left side of the comparison is now.
            var shown = holding.OrderByDescending(s => s.Value).FirstOrDefault();
            if (shown is null && TrailingComparison.Match(expression) is { Success: true } match && Balanced(match.Groups["lhs"].Value))
            {
                var current = await prometheus.QueryAsync(match.Groups["lhs"].Value, now, reporter, cancellationToken).ConfigureAwait(false);
                shown = current.Where(s => s.Value is double v && !double.IsNaN(v)).OrderByDescending(s => s.Value).FirstOrDefault();
            }

            return Result(rule, state, shown?.Value, shown?.Metric, holding.Count, expression, now);
        }

        /// <summary>Whether some series of the expression had a value at every step of the last <paramref name="window"/>.</summary>
        private static async Task<bool> HeldThroughoutAsync(PrometheusClient prometheus, string expression, TimeSpan window, DateTimeOffset now,
            IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var step = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(window.TotalSeconds / 60)));
            var points = (int)Math.Floor(window.TotalSeconds / step.TotalSeconds) + 1;
            var history = await prometheus.QueryRangeAsync(expression, new PrometheusRange(now - window, now, step), reporter, cancellationToken).ConfigureAwait(false);
            return history.Any(series => series.Values.Count(v => !double.IsNaN(v.Value)) >= points);
        }

        private async Task<AlertRuleResult> EvaluateThresholdAsync(AlertRule rule, DateTimeOffset now, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var request = _metrics ?? throw new OpsRunbookException(ObservabilityErrors.MetricsUriRequired, FailureCategory.InvalidArgument,
                $"The rule '{rule.Name}' is a threshold on the metric {rule.Metric}, read from the service itself.", rule.Name,
                "Give -MetricsUri, the service's metrics endpoint (http://host:8000/metrics).");
            var (name, wanted) = MetricSelector.Parse(rule.Metric!, rule.Path, rule.Line);
            var metrics = await new ServiceMetricReader().ReadAsync(request with { Names = new[] { name } }, reporter, cancellationToken).ConfigureAwait(false);
            var candidates = metrics.Where(m => wanted.All(l => string.Equals(m.Labels[l.Key] as string, l.Value, StringComparison.Ordinal)))
                .Where(m => (m.Value ?? m.Rate) is double).ToList();
            if (candidates.Count == 0)
            {
                throw new OpsRunbookException(ObservabilityErrors.MetricNotFound, FailureCategory.ObjectNotFound,
                    $"The rule '{rule.Name}': {request.Uri} has no metric {rule.Metric} with a value.", rule.Name,
                    $"Check the metric's name with Get-ServiceMetric -Uri {request.Uri}.");
            }

            var crossing = candidates.Where(m => Compare(m.Value ?? m.Rate!.Value, rule.Operator!, rule.Threshold!.Value)).ToList();
            var shown = (crossing.Count > 0 ? crossing : candidates).OrderByDescending(m => m.Value ?? m.Rate).First();
            // A service's own endpoint has no history: a threshold crossed now is firing now.
            return Result(rule, crossing.Count > 0 ? AlertState.Firing : AlertState.Inactive, shown.Value ?? shown.Rate, shown.Labels, crossing.Count,
                $"{rule.Metric} {rule.Operator} {rule.Threshold!.Value.ToString(CultureInfo.InvariantCulture)}", now);
        }

        private static bool Compare(double value, string op, double threshold) => op switch
        {
            ">" => value > threshold,
            ">=" => value >= threshold,
            "<" => value < threshold,
            "<=" => value <= threshold,
            "==" => value == threshold,
            _ => value != threshold,
        };

        private static AlertRuleResult Result(AlertRule rule, AlertState state, double? value, Hashtable? labels, int activeSeries, string condition, DateTimeOffset now)
        {
            var shownLabels = labels ?? new Hashtable(StringComparer.OrdinalIgnoreCase);
            return new AlertRuleResult(rule.Name, state)
            {
                Severity = rule.Severity,
                Value = value is double v && !double.IsNaN(v) ? v : null,
                Summary = rule.Summary is null ? null : Expand(rule.Summary, value, shownLabels),
                Labels = shownLabels,
                ActiveSeries = activeSeries,
                Condition = condition,
                For = rule.For,
                EvaluatedAt = now,
                Rule = rule,
            };
        }

        /// <summary>The common part of Prometheus's annotation templates: {{ $value }} (| humanize, humanizePercentage) and {{ $labels.x }}.</summary>
        internal static string Expand(string template, double? value, Hashtable labels)
        {
            var text = ValueTemplate.Replace(template, match => value is not double v ? "NaN" : match.Groups["fn"].Value switch
            {
                "humanizePercentage" => (v * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%",
                "humanize" => v.ToString("0.###", CultureInfo.InvariantCulture),
                _ => v.ToString(CultureInfo.InvariantCulture),
            });
            return LabelTemplate.Replace(text, match => labels[match.Groups["name"].Value] as string ?? string.Empty);
        }

        private static bool Balanced(string text)
        {
            var depth = 0;
            foreach (var c in text)
            {
                depth += c switch { '(' or '{' or '[' => 1, ')' or '}' or ']' => -1, _ => 0 };
                if (depth < 0)
                {
                    return false;
                }
            }

            return depth == 0;
        }
    }

    /// <summary>A metric as a threshold rule names it: error_rate, or http_requests_total{status="500"}.</summary>
    internal static class MetricSelector
    {
        private static readonly Regex Selector = new(@"^\s*(?<name>[A-Za-z_:][\w:.]*)\s*(?:\{(?<labels>[^}]*)\})?\s*$", RegexOptions.CultureInvariant);
        private static readonly Regex Label = new(@"(?<key>[A-Za-z_]\w*)\s*=\s*""(?<value>[^""]*)""", RegexOptions.CultureInvariant);

        public static (string Name, IReadOnlyDictionary<string, string> Labels) Parse(string text, string path, int line)
        {
            var match = Selector.Match(text);
            if (!match.Success)
            {
                throw new OpsRunbookException(ObservabilityErrors.RuleFileInvalid, FailureCategory.ParserError,
                    $"The rule file '{path}', line {line}: metric: '{text}' is not a metric name with optional labels such as http_requests_total{{status=\"500\"}}.",
                    $"{path}:{line}", "Write the metric as name or name{label=\"value\"}.");
            }

            var labels = Label.Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value, StringComparer.OrdinalIgnoreCase);
            return (match.Groups["name"].Value, labels);
        }
    }
}
