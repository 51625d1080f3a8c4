using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using System.Management.Automation;
using OpsRunbook.Engine.Rollback;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Rollback
{
    /// <summary>
    /// Rolls a stack back to a restore point (seed 003's rollback.sh [TIMESTAMP]): verifies the point, takes a
    /// safety point of the current state, stops the application tier, restores databases, Redis data,
    /// configuration files and images, and starts the stack in dependency order until it is healthy.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "Rollback", DefaultParameterSetName = LatestSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RollbackStep))]
    public sealed class InvokeRollbackCommand : OpsRunbookCmdlet
    {
        private const string TimestampSet = "Timestamp";
        private const string LatestSet = "Latest";
        private const string PointSet = "InputObject";

        /// <summary>The folder of restore points; with -InputObject, the point's own parent folder.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TimestampSet)]
        [Parameter(Mandatory = true, ParameterSetName = LatestSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TimestampSet)]
        [ArgumentCompleter(typeof(RollbackTimestampCompleter))]
        [ValidatePattern(@"^\d{8}_\d{6}$")]
        public string? Timestamp { get; set; }

        /// <summary>The newest restore point of -Path (rollback.sh with no argument).</summary>
        [Parameter(ParameterSetName = LatestSet)]
        public SwitchParameter Latest { get; set; }

        /// <summary>A restore point from Get-RollbackPoint or New-RollbackPoint.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PointSet)]
        [ValidateNotNull]
        public RollbackPoint? InputObject { get; set; }

        /// <summary>The stack's inventory, as for New-RollbackPoint.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? Inventory { get; set; }

        /// <summary>Only these components; by default all that the point and the inventory both have.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public RollbackComponent[] Component { get; set; } = Array.Empty<RollbackComponent>();

        /// <summary>pg_restore -j for each database.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int Jobs { get; set; } = 2;

        /// <summary>How long each service may take to become healthy when the stack starts again.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 120;

        /// <summary>How long the application tier gets to finish in-flight work before it is stopped.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int DrainSec { get; set; } = 30;

        /// <summary>Roll back without asking.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            var inventory = InventoryFile.Load(FileSystemPath(Inventory!), Environment);
            RollbackRequest? request = null;
            IReadOnlyList<RollbackPlanStep>? plan = null;
            RunEngine((reporter, pump, cancellationToken) =>
            {
                var point = InputObject ?? RollbackPointCatalog.Find(FileSystemPath(Path!), ParameterSetName == TimestampSet ? Timestamp : null);
                var root = InputObject is null ? FileSystemPath(Path!) : System.IO.Path.GetDirectoryName(point.Path.TrimEnd('/'))!;
                request = new RollbackRequest(point, RollbackStack.From(inventory, RollbackStack.DefaultConnectTimeout, Environment), root, Component, Jobs,
                    TimeSpan.FromSeconds(TimeoutSec), TimeSpan.FromSeconds(DrainSec));
                plan = new RollbackRunner(Environment).Plan(request);
                return System.Threading.Tasks.Task.CompletedTask;
            });

            var target = $"{request!.Stack.Name} to the restore point {request.Point.Timestamp}{(request.Point.Name is null ? string.Empty : $" ({request.Point.Name})")}";
            if (ChangeConfirmation.IsWhatIf(this))
            {
                foreach (var step in plan!)
                {
                    WriteObject(new RollbackStep(step.Number, step.Component, step.Service, step.Action, RollbackStepResult.Planned) { Detail = step.Detail });
                }
            }

            var summary = string.Join("; ", plan!.Select(s => $"{s.Number}. {s.Action} {s.Service}"));
            if (!ChangeConfirmation.ShouldChange(this, target, $"Roll back: {summary}", ConfirmImpact.High, Force.IsPresent))
            {
                return;
            }

            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                await foreach (var step in new RollbackRunner(Environment).RunAsync(request, plan!, reporter, cancellationToken).ConfigureAwait(false))
                {
                    pump.Post(() => WriteObject(step));
                }
            });
        }

    }
}
