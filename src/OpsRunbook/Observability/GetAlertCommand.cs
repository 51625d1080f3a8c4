using System;
using System.Linq;
using System.Management.Automation;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Observability
{
    /// <summary>Lists the alerts Prometheus itself reports: firing ones, or -State Pending too.</summary>
    [Cmdlet(VerbsCommon.Get, "Alert")]
    [OutputType(typeof(PrometheusAlert))]
    public sealed class GetAlertCommand : PrometheusCommandBase
    {
        /// <summary>Alert names; wildcards allowed.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Which states to list; default Firing.</summary>
        [Parameter]
        [ValidateSet(nameof(AlertState.Firing), nameof(AlertState.Pending))]
        public string[] State { get; set; } = { nameof(AlertState.Firing) };

        /// <summary>Only alerts with these severity labels (critical, warning).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] Severity { get; set; } = Array.Empty<string>();

        protected override void EndProcessing()
        {
            var client = CreateClient();
            var states = State.Select(s => Enum.Parse<AlertState>(s, ignoreCase: true)).ToHashSet();
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                var alerts = await client.AlertsAsync(reporter, cancellationToken).ConfigureAwait(false);
                foreach (var alert in alerts
                    .Where(a => states.Contains(a.State))
                    .Where(a => Name.Length == 0 || Name.Any(n => NamePattern.IsMatch(a.Name, n)))
                    .Where(a => Severity.Length == 0 || Severity.Any(s => string.Equals(s, a.Severity, StringComparison.OrdinalIgnoreCase)))
                    .OrderByDescending(a => a.State).ThenBy(a => a.ActiveAt))
                {
                    pump.Post(() => WriteObject(alert));
                }
            });
        }
    }
}
