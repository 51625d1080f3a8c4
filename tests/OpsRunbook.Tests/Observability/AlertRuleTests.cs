using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;
using Xunit;

namespace OpsRunbook.Tests.Observability
{
    public class AlertRuleReaderTests
    {
        // Seed 000's two rule blocks, as the runbook writes them (a bare list, no groups).
        internal const string Seed000Rules = """
            # prometheus-rules.yaml
            - alert: HighLatency
              expr: histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 30
              for: 5m
              labels:
                severity: warning
              annotations:
                summary: "High P95 latency detected"

            - alert: HighErrorRate
              expr: rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m]) > 0.05
              for: 5m
              labels:
                severity: critical
              annotations:
                summary: "Error rate exceeds 5%"
            """;

        [Fact]
        public void Reads_the_seed_000_rule_blocks()
        {
            var rules = AlertRuleReader.Read(Seed000Rules, "seed-000.yaml");

            Assert.Equal(new[] { "HighLatency", "HighErrorRate" }, rules.Select(r => r.Name));
            Assert.Equal(TimeSpan.FromMinutes(5), rules[0].For);
            Assert.Equal("warning", rules[0].Severity);
            Assert.Equal("critical", rules[1].Severity);
            Assert.Equal("Error rate exceeds 5%", rules[1].Summary);
            Assert.StartsWith("rate(http_requests_total{status=~\"5..\"}[5m])", rules[1].Expression);
            Assert.Equal(2, rules[0].Line);
            Assert.Equal(10, rules[1].Line);
        }

        [Fact]
        public void Reads_a_Prometheus_rule_file_with_groups_skipping_recording_rules_and_threshold_rules()
        {
            var rules = AlertRuleReader.Read("""
                groups:
                  - name: api
                    rules:
                      - record: job:http_requests:rate5m
                        expr: sum by (job) (rate(http_requests_total[5m]))
                      - alert: HighErrorRate
                        expr: job:http_requests:rate5m > 100
                        for: 1h30m
                  - name: seed-002
                    rules:
                      - alert: LowCacheHitRate
                        metric: cache_hit_rate
                        operator: lt
                        threshold: 0.5
                        labels: { severity: warning }
                """, "rules.yaml");

            Assert.Equal(new[] { "HighErrorRate", "LowCacheHitRate" }, rules.Select(r => r.Name));
            Assert.Equal("api", rules[0].Group);
            Assert.Equal(TimeSpan.FromMinutes(90), rules[0].For);
            Assert.Equal(("cache_hit_rate", "<", 0.5), (rules[1].Metric, rules[1].Operator, rules[1].Threshold!.Value));
            Assert.Null(rules[1].Expression);
        }

        [Theory]
        [InlineData("- alert: A\n  expr: up\n  for: soon\n", 3, "not a duration")]
        [InlineData("- alert: A\n  expr: up\n  severity: high\n", 3, "unknown field 'severity'")]
        [InlineData("- alert: A\n", 1, "needs either expr")]
        [InlineData("- alert: A\n  expr: up\n   for: 5m\n", 3, "not valid YAML")]
        [InlineData("groups:\n  - name: g\n", 2, "no rules: list")]
        [InlineData("- alert: A\n  metric: error_rate\n  operator: about\n  threshold: 1\n", 3, "operator")]
        public void A_malformed_rule_file_is_RuleFileInvalid_naming_file_and_line(string yaml, int line, string reason)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => AlertRuleReader.Read(yaml, "bad.yaml"));

            Assert.Equal("RuleFileInvalid", ex.ErrorId);
            Assert.Equal(FailureCategory.ParserError, ex.Category);
            Assert.Contains($"'bad.yaml', line {line}", ex.Message);
            Assert.Contains(reason, ex.Message);
        }

        [Fact]
        public void A_missing_file_is_RuleFileNotFound()
        {
            Assert.Equal("RuleFileNotFound", Assert.Throws<OpsRunbookException>(() => AlertRuleReader.ReadFile("/nonexistent/rules.yaml")).ErrorId);
        }

        [Fact]
        public void Summary_templates_take_the_value_and_labels()
        {
            var labels = new System.Collections.Hashtable(StringComparer.OrdinalIgnoreCase) { ["route"] = "/analyze" };

            Assert.Equal("Error rate 12.5% on /analyze", AlertRuleEvaluator.Expand("Error rate {{ $value | humanizePercentage }} on {{ $labels.route }}", 0.125, labels));
        }
    }

    /// <summary>Seed 000's two rules on the real Prometheus: Inactive below 5% errors, Pending, then Firing above.</summary>
    public class AlertRuleEvaluationTests
    {
        // The test's copy of seed 000's rules: this test's route only, 10 s rate windows and for: 3s, so it takes seconds.
        private static IReadOnlyList<AlertRule> Rules(string route) => AlertRuleReader.Read($$$"""
            - alert: HighLatency
              expr: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{route="{{{route}}}"}[10s]))) > 30
              for: 3s
              labels:
                severity: warning
              annotations:
                summary: "High P95 latency detected"
            - alert: HighErrorRate
              expr: sum(rate(http_requests_total{route="{{{route}}}",status=~"5.."}[10s])) / sum(rate(http_requests_total{route="{{{route}}}"}[10s])) > 0.05
              for: 3s
              labels:
                severity: critical
              annotations:
                summary: "Error rate {{ $value | humanizePercentage }} exceeds 5%"
            """, "seed-000-test.yaml");

        [Fact]
        public async Task HighErrorRate_goes_from_Inactive_through_Pending_to_Firing_when_errors_cross_5_percent()
        {
            var scenario = Observe.Scenario("alert");
            var rules = Rules("/work/" + scenario);
            var evaluator = new AlertRuleEvaluator(Observe.Prometheus(), null);
            async Task<(AlertRuleResult Latency, AlertRuleResult Errors)> Evaluate() =>
                (await evaluator.EvaluateAsync(rules[0], OperationReporter.None, CancellationToken.None),
                 await evaluator.EvaluateAsync(rules[1], OperationReporter.None, CancellationToken.None));

            try
            {
                // 2% errors: below the threshold.
                await Observe.TrafficAsync(scenario, requests: 100_000, errorsPer100: 2, perSecond: 50, background: true);
                var calm = await Observe.UntilAsync(Evaluate, r => r.Errors.Value is not null && r.Latency.Value is not null, TimeSpan.FromSeconds(30), "a first error rate");
                Assert.Equal(AlertState.Inactive, calm.Errors.State);
                Assert.InRange(calm.Errors.Value!.Value, 0.01, 0.03);
                Assert.Equal(AlertState.Inactive, calm.Latency.State);

                // 10% errors: Pending while for: 3s runs, then Firing.
                await Observe.TrafficAsync(scenario, requests: 100_000, errorsPer100: 10, perSecond: 50, background: true);
                var seen = new List<AlertState>();
                var firing = await Observe.UntilAsync(async () =>
                {
                    var result = await Evaluate();
                    seen.Add(result.Errors.State);
                    return result;
                }, r => r.Errors.State == AlertState.Firing, TimeSpan.FromSeconds(45), "HighErrorRate firing");

                Assert.Contains(AlertState.Pending, seen);
                Assert.True(firing.Errors.Value > 0.05);
                Assert.Equal("critical", firing.Errors.Severity);
                Assert.Matches(@"^Error rate \d+(\.\d+)?% exceeds 5%$", firing.Errors.Summary);
                Assert.Equal(1, firing.Errors.ActiveSeries);
                Assert.Equal(AlertState.Inactive, firing.Latency.State);
            }
            finally
            {
                await Observe.StopTrafficAsync(scenario);
            }
        }

        [Fact]
        public async Task Threshold_rules_are_evaluated_on_the_service_own_JSON_metrics()
        {
            var scenario = Observe.Scenario("thresh");
            await Observe.TrafficAsync(scenario, requests: 100, errorsPer100: 10, cacheHitsPer100: 90);
            var rules = AlertRuleReader.Read("""
                - alert: HighErrorRate
                  metric: error_rate
                  operator: '>'
                  threshold: 0.05
                  labels: { severity: critical }
                  annotations: { summary: "Error rate is {{ $value }}" }
                - alert: LowCacheHitRate
                  metric: cache_hit_rate
                  operator: '<'
                  threshold: 0.5
                """, "seed-002.yaml");
            var metrics = new ServiceMetricRequest(new Uri($"{TestBed.HttpUrl}/api/metrics?scenario={scenario}"), Array.Empty<string>(), null, TimeSpan.FromSeconds(10));
            var evaluator = new AlertRuleEvaluator(null, metrics);

            var errors = await evaluator.EvaluateAsync(rules[0], OperationReporter.None, CancellationToken.None);
            var cache = await evaluator.EvaluateAsync(rules[1], OperationReporter.None, CancellationToken.None);

            Assert.Equal((AlertState.Firing, 0.1), (errors.State, errors.Value!.Value));
            Assert.Equal("Error rate is 0.1", errors.Summary);
            Assert.Equal((AlertState.Inactive, 0.9), (cache.State, cache.Value!.Value));
            var noPrometheus = await Assert.ThrowsAsync<OpsRunbookException>(() => evaluator.EvaluateAsync(Rules("/x")[0], OperationReporter.None, CancellationToken.None));
            Assert.Equal("PrometheusRequired", noPrometheus.ErrorId);
        }

        [Fact]
        public async Task A_rule_with_bad_PromQL_is_InvalidPromQL_naming_the_rule_and_its_line()
        {
            var rule = AlertRuleReader.Read("- alert: Broken\n  expr: rate(x[5m]\n", "broken.yaml")[0];

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => new AlertRuleEvaluator(Observe.Prometheus(), null).EvaluateAsync(rule, OperationReporter.None, CancellationToken.None));

            Assert.Equal("InvalidPromQL", ex.ErrorId);
            Assert.Contains("'Broken' (broken.yaml, line 1)", ex.Message);
            Assert.Contains("parse error", ex.Message);
        }
    }
}
