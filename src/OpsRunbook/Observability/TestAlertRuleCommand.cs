using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;

namespace OpsRunbook.Observability
{
    /// <summary>Evaluates alerting rules now: through Prometheus for PromQL, through the service's metrics for thresholds.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "AlertRule", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(AlertRuleResult))]
    public sealed class TestAlertRuleCommand : PrometheusCommandBase
    {
        private const string PathSet = "Path";
        private const string InputObjectSet = "InputObject";

        private readonly List<AlertRule> _rules = new();

        /// <summary>Rule files (YAML); wildcards allowed. Not bound from piped objects: an AlertRule's own Path would read its whole file again.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Rules from Get-AlertRule.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public AlertRule[] InputObject { get; set; } = Array.Empty<AlertRule>();

        /// <summary>Alert names; wildcards allowed.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>The service's metrics endpoint, for threshold rules (metric:, operator:, threshold:).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MetricsUri { get; set; }

        /// <summary>At most this many rules are evaluated at once (each is a query to Prometheus or a read of a metrics endpoint).</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 4;

        protected override void ProcessRecord()
        {
            var rules = ParameterSetName == InputObjectSet ? InputObject : FilePaths.Resolve(this, Path, "rule file").SelectMany(Read);
            _rules.AddRange(rules.Where(r => Name.Length == 0 || Name.Any(n => NamePattern.IsMatch(r.Name, n))));
        }

        protected override void EndProcessing()
        {
            if (_rules.Count == 0)
            {
                return;
            }

            var prometheus = _rules.Any(r => r.Expression is not null) ? CreateClient() : null;
            ServiceMetricRequest? metrics = null;
            if (MetricsUri is not null)
            {
                try
                {
                    metrics = new ServiceMetricRequest(ServiceMetricReader.EndpointUri(MetricsUri, nameof(MetricsUri)),
                        Array.Empty<string>(), null, TimeSpan.FromSeconds(TimeoutSec));
                }
                catch (OpsRunbookException ex)
                {
                    ThrowFailure(ex);
                }
            }

            var evaluator = new AlertRuleEvaluator(prometheus, metrics);
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                var outcomes = new List<Outcome<AlertRuleResult>>();
                await foreach (var evaluation in FanOut.RunAsync(_rules, ThrottleLimit, FanOutOrder.AsGiven,
                    (rule, token) => evaluator.EvaluateAsync(rule, reporter, token), cancellationToken).ConfigureAwait(false))
                {
                    outcomes.Add(evaluation.Outcome);
                }

                // Nothing could be asked at all: one terminating error, not one per rule.
                if (outcomes.All(o => o.Failure?.ErrorId is ObservabilityErrors.PrometheusUnreachable or ObservabilityErrors.MetricsEndpointUnreachable))
                {
                    throw outcomes[0].Failure!;
                }

                foreach (var outcome in outcomes)
                {
                    if (outcome.Failure is { } failure)
                    {
                        pump.Post(() => WriteFailure(failure));
                    }
                    else
                    {
                        pump.Post(() => WriteObject(outcome.Result));
                    }
                }
            });
        }

        private IEnumerable<AlertRule> Read(string file)
        {
            try
            {
                return AlertRuleReader.ReadFile(file);
            }
            catch (OpsRunbookException ex)
            {
                WriteFailure(ex);
                return Array.Empty<AlertRule>();
            }
        }
    }
}
