using System.Linq;
using System.Threading.Tasks;
using System.Management.Automation;
using OpsRunbook.Engine.Rollback;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Rollback
{
    /// <summary>Lists the restore points of a folder, newest first; -Verify checks every file's checksum.</summary>
    [Cmdlet(VerbsCommon.Get, "RollbackPoint", DefaultParameterSetName = AllSet)]
    [OutputType(typeof(RollbackPoint))]
    public sealed class GetRollbackPointCommand : OpsRunbookCmdlet
    {
        private const string AllSet = "All";
        private const string TimestampSet = "Timestamp";
        private const string LatestSet = "Latest";

        /// <summary>The folder of restore points, or one point's own folder.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = TimestampSet)]
        [ArgumentCompleter(typeof(RollbackTimestampCompleter))]
        [ValidatePattern(@"^\d{8}_\d{6}$")]
        public string? Timestamp { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LatestSet)]
        public SwitchParameter Latest { get; set; }

        /// <summary>Check every file against its checksum: Valid, Corrupt or Incomplete.</summary>
        [Parameter]
        public SwitchParameter Verify { get; set; }

        protected override void ProcessRecord()
        {
            var folder = FileSystemPath(Path!);
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                if (RollbackJournal.Read(folder) is { } journal)
                {
                    reporter.Warning(journal.Advice(folder));
                }

                var points = ParameterSetName == AllSet ? RollbackPointCatalog.List(folder) : new[] { RollbackPointCatalog.Find(folder, Timestamp) };
                if (!Verify)
                {
                    pump.Post(() => WriteObject(points, enumerateCollection: true));
                    return;
                }

                await foreach (var point in RollbackPointCatalog.VerifyAllAsync(points.ToList(), reporter, cancellationToken).ConfigureAwait(false))
                {
                    pump.Post(() => WriteObject(point));
                }
            });
        }
    }
}
