using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;

namespace OpsRunbook.Observability
{
    /// <summary>Reads a service's own metrics endpoint (Prometheus text or flat JSON) without Prometheus.</summary>
    [Cmdlet(VerbsCommon.Get, "ServiceMetric")]
    [OutputType(typeof(ServiceMetric))]
    public sealed class GetServiceMetricCommand : Infrastructure.OpsRunbookCmdlet
    {
        private readonly List<Uri> _uris = new();

        /// <summary>Metrics endpoints: http://host:8000/metrics.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Uri { get; set; } = Array.Empty<string>();

        /// <summary>Metric names; wildcards allowed (http_request*).</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Scrape twice this far apart: per-second rates of counters, and percentiles of that interval.</summary>
        [Parameter]
        [ValidateRange("00:00:00.1", "01:00:00")]
        public TimeSpan? Interval { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 10;

        /// <summary>At most this many endpoints are read at once.</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 64;

        protected override void ProcessRecord()
        {
            foreach (var text in Uri)
            {
                try
                {
                    _uris.Add(ServiceMetricReader.EndpointUri(text, nameof(Uri)));
                }
                catch (OpsRunbookException ex)
                {
                    WriteFailure(ex);
                }
            }
        }

        protected override void EndProcessing()
        {
            if (_uris.Count == 0)
            {
                return;
            }

            var reader = new ServiceMetricReader();
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                // The endpoints at once (each -Interval waits in parallel), written in the order given.
                await foreach (var read in FanOut.RunAsync(_uris, ThrottleLimit, FanOutOrder.AsGiven,
                    (uri, token) => reader.ReadAsync(new ServiceMetricRequest(uri, Name, Interval, TimeSpan.FromSeconds(TimeoutSec)), reporter, token),
                    cancellationToken).ConfigureAwait(false))
                {
                    var outcome = read.Outcome;
                    if (outcome.Failure is { } failure)
                    {
                        pump.Post(() => WriteFailure(failure));
                        continue;
                    }

                    foreach (var metric in outcome.Result!)
                    {
                        pump.Post(() => WriteObject(metric));
                    }
                }
            });
        }
    }
}
