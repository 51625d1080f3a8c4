using System;
using System.Management.Automation;
using OpsRunbook.Engine.Rollback;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Rollback
{
    /// <summary>
    /// Takes one restore point of a stack (seed 003's pre-deployment backup set): its databases, Redis data,
    /// configuration files and container images, checksummed, under &lt;Path&gt;/&lt;yyyyMMdd_HHmmss&gt;.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "RollbackPoint", SupportsShouldProcess = true)]
    [OutputType(typeof(RollbackPoint))]
    public sealed class NewRollbackPointCommand : OpsRunbookCmdlet
    {
        /// <summary>The stack's inventory: its Postgres and Redis services, container services and Configuration files.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Inventory { get; set; }

        /// <summary>The folder of restore points (seed 003's backups/); made when missing.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>A label for people, such as the release about to be deployed.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Keep only the newest N restore points (safety points are counted apart).</summary>
        [Parameter]
        [ValidateRange(1, 1000)]
        public int KeepLast { get; set; } = 10;

        protected override void EndProcessing()
        {
            var inventory = InventoryFile.Load(FileSystemPath(Inventory!), Environment);
            var folder = FileSystemPath(Path!);
            RollbackStack? stack = null;
            RunEngine((reporter, pump, cancellationToken) =>
            {
                stack = RollbackStack.From(inventory, RollbackStack.DefaultConnectTimeout, Environment);
                return System.Threading.Tasks.Task.CompletedTask;
            });
            var parts = string.Join(", ", stack!.Components());
            if (!ShouldProcess($"{stack.Name} ({(parts.Length == 0 ? "nothing to capture" : parts)})", $"Take a restore point in {folder}, keeping the newest {KeepLast}"))
            {
                return;
            }

            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                var point = await new RollbackPointWriter(Environment).WriteAsync(stack, folder, Name, null, KeepLast, reporter, cancellationToken).ConfigureAwait(false);
                pump.Post(() => WriteObject(point));
            });
        }
    }
}
