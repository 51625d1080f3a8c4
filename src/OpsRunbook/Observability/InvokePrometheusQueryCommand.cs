using System;
using System.Management.Automation;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;

namespace OpsRunbook.Observability
{
    /// <summary>Runs a PromQL query through the Prometheus HTTP API: instant, or over a range with -Start.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "PrometheusQuery", DefaultParameterSetName = InstantSet)]
    [OutputType(typeof(PrometheusSeries))]
    public sealed class InvokePrometheusQueryCommand : PrometheusCommandBase
    {
        private const string InstantSet = "Instant";
        private const string RangeSet = "Range";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Expression")]
        [ValidateNotNullOrEmpty]
        public string Query { get; set; } = string.Empty;

        /// <summary>Evaluate the instant query at this time instead of now.</summary>
        [Parameter(ParameterSetName = InstantSet)]
        public DateTimeOffset? Time { get; set; }

        /// <summary>The start of a range query: a DateTime, or how long ago (1h, 30m, a TimeSpan).</summary>
        [Parameter(Mandatory = true, ParameterSetName = RangeSet)]
        [ValidateNotNull]
        public object? Start { get; set; }

        /// <summary>The end of a range query; default now.</summary>
        [Parameter(ParameterSetName = RangeSet)]
        public DateTimeOffset? End { get; set; }

        /// <summary>The resolution of a range query; default about 250 points over the range.</summary>
        [Parameter(ParameterSetName = RangeSet)]
        public TimeSpan? Step { get; set; }

        protected override void ProcessRecord()
        {
            var client = CreateClient();
            PrometheusRange? range = null;
            if (ParameterSetName == RangeSet)
            {
                try
                {
                    var now = DateTimeOffset.Now;
                    var start = TimeExpression.ParseSince(Start is PSObject wrapped ? wrapped.BaseObject : Start!, now, nameof(Start));
                    var end = End ?? now;
                    range = new PrometheusRange(start, end, Step ?? PrometheusClient.DefaultStep(start, end));
                }
                catch (OpsRunbookException ex)
                {
                    ThrowFailure(ex);
                }
            }

            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                try
                {
                    var series = range is null
                        ? await client.QueryAsync(Query, Time, reporter, cancellationToken).ConfigureAwait(false)
                        : await client.QueryRangeAsync(Query, range, reporter, cancellationToken).ConfigureAwait(false);
                    foreach (var one in series)
                    {
                        pump.Post(() => WriteObject(one));
                    }
                }
                catch (OpsRunbookException ex) when (ex.ErrorId is ObservabilityErrors.InvalidPromQL or ObservabilityErrors.PrometheusQueryFailed or ObservabilityErrors.InvalidQueryStep or ObservabilityErrors.InvalidQueryRange)
                {
                    // A bad query is this query's problem; the next piped query may be fine.
                    pump.Post(() => WriteFailure(ex));
                }
            });
        }
    }
}
