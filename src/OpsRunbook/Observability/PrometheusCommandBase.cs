using System;
using System.Management.Automation;
using OpsRunbook.Engine.Observability;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Observability
{
    /// <summary>What the cmdlets that ask Prometheus share: its address (-PrometheusUri, PROMETHEUS_URL) and a timeout.</summary>
    public abstract class PrometheusCommandBase : OpsRunbookCmdlet
    {
        /// <summary>The Prometheus server: -PrometheusUri, else PROMETHEUS_URL, else http://localhost:9090.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PrometheusUri { get; set; }

        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 30;

        internal PrometheusClient CreateClient()
        {
            try
            {
                return new PrometheusClient(PrometheusClient.ResolveUri(PrometheusUri, Environment), TimeSpan.FromSeconds(TimeoutSec));
            }
            catch (OpsRunbookException ex)
            {
                ThrowFailure(ex);
                throw;
            }
        }
    }
}
