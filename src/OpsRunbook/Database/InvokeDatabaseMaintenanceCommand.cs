using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using System.Management.Automation;
using OpsRunbook.Engine.Database;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Database
{
    /// <summary>Runs VACUUM, VACUUM FULL, ANALYZE or REINDEX table by table and writes each table's sizes and duration.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "DatabaseMaintenance", DefaultParameterSetName = ConnectionStringSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(DatabaseMaintenanceResult))]
    public sealed class InvokeDatabaseMaintenanceCommand : DatabaseCommandBase
    {
        // Tables piped in from several databases: each database is visited once, for the tables named in it.
        private readonly Dictionary<string, (string[] Databases, HashSet<string> Tables)> _work = new(StringComparer.Ordinal);
        private MaintenancePlan? _plan;

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public DatabaseMaintenanceOperation[] Operation { get; set; } = Array.Empty<DatabaseMaintenanceOperation>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Table { get; set; } = Array.Empty<string>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Database { get; set; } = Array.Empty<string>();

        /// <summary>REINDEX TABLE CONCURRENTLY: rebuilds without blocking writes, more slowly.</summary>
        [Parameter]
        public SwitchParameter Concurrently { get; set; }

        /// <summary>Seconds a statement may wait for a lock before that table fails with LockTimeout; 0 waits as long as it takes.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int LockTimeoutSec { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            try
            {
                _plan = MaintenancePlan.Create(Operation, Concurrently.IsPresent);
            }
            catch (OpsRunbookException ex)
            {
                ThrowFailure(ex);
            }
        }

        protected override void ProcessRecord()
        {
            var key = string.Join("\n", Database);
            if (!_work.TryGetValue(key, out var work))
            {
                work = (Database, new HashSet<string>(StringComparer.Ordinal));
                _work[key] = work;
            }

            work.Tables.UnionWith(Table);
        }

        protected override void EndProcessing()
        {
            var connector = Connector();
            var maintainer = new DatabaseMaintainer(connector);
            var plan = _plan!;
            var impact = plan.TakesBlockingLocks ? ConfirmImpact.High : ConfirmImpact.Medium;
            var requests = _work.Values.Select(w => new MaintenanceRequest(plan, w.Databases, w.Tables.ToList(),
                LockTimeoutSec > 0 ? TimeSpan.FromSeconds(LockTimeoutSec) : null)).ToList();
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                foreach (var request in requests)
                {
                    var outcomes = maintainer.RunAsync(
                        request,
                        (target, token) => pump.InvokeAsync(
                            () => ChangeConfirmation.ShouldChange(this, $"{target} ({target.Server})", target.Plan.Description, impact, Force.IsPresent), token),
                        reporter,
                        cancellationToken);
                    await foreach (var outcome in outcomes.ConfigureAwait(false))
                    {
                        pump.Post(() => WriteOutcome(outcome));
                    }
                }
            });
        }
    }
}
