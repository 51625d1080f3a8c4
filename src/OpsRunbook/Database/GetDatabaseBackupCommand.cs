using System.Management.Automation;
using System.Threading.Tasks;
using OpsRunbook.Engine.Database.Backup;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Database
{
    /// <summary>Lists the backups in a folder, newest first, and with -Verify checks each against its sidecar.</summary>
    [Cmdlet(VerbsCommon.Get, "DatabaseBackup")]
    [OutputType(typeof(DatabaseBackup))]
    public sealed class GetDatabaseBackupCommand : OpsRunbookCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Only backups of this database; wildcards allowed.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Database { get; set; }

        /// <summary>Recompute each file's SHA-256 and report Valid, Corrupt or Unverified.</summary>
        [Parameter]
        public SwitchParameter Verify { get; set; }

        protected override void ProcessRecord()
        {
            var folder = FileSystemPath(Path!);
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                var backups = BackupCatalog.List(folder, Database);
                if (!Verify)
                {
                    pump.Post(() => WriteObject(backups, enumerateCollection: true));
                    return;
                }

                await foreach (var backup in BackupCatalog.VerifyAllAsync(backups, reporter, cancellationToken).ConfigureAwait(false))
                {
                    pump.Post(() => WriteObject(backup));
                }
            });
        }
    }
}
