using System.Management.Automation;
using OpsRunbook.Engine.Database.Backup;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Database
{
    /// <summary>
    /// Restores a backup after checking its checksum: into a scratch database first, then, once its row counts
    /// check, in place of the target (whose sessions are ended first).
    /// </summary>
    [Cmdlet(VerbsData.Restore, "DatabaseBackup", DefaultParameterSetName = ConnectionStringSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(DatabaseRestoreResult))]
    public sealed class RestoreDatabaseBackupCommand : BackupFileCommandBase
    {
        /// <summary>The database to restore into; by default the one the backup was made of.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TargetDatabase { get; set; }

        /// <summary>pg_restore -j for custom-format dumps.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int Jobs { get; set; } = 1;

        /// <summary>Restore a file that has no .sha256 sidecar to check it against.</summary>
        [Parameter]
        public SwitchParameter AllowUnverified { get; set; }

        /// <summary>pg_restore --no-owner --no-acl: the objects belong to the restoring user.</summary>
        [Parameter]
        public SwitchParameter NoOwner { get; set; }

        /// <summary>Replace an existing database without asking.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            var connector = Connector();
            foreach (var path in BackupPaths)
            {
                var request = new RestoreRequest(path, TargetDatabase, Jobs, ToolFolder, AllowUnverified.IsPresent, NoOwner.IsPresent);
                RunEngine(async (reporter, pump, cancellationToken) =>
                {
                    // The engine checks the checksum first: a corrupt file is refused before anyone is asked anything.
                    var result = await new DatabaseRestorer(connector, Environment).RestoreAsync(request,
                        (target, exists, token) => pump.InvokeAsync(() => Confirm(target, exists, path, connector.Server), token),
                        reporter, cancellationToken).ConfigureAwait(false);
                    if (result is not null)
                    {
                        pump.Post(() => WriteObject(result));
                    }
                });
            }
        }

        private bool Confirm(string target, bool exists, string path, string server) => exists
            ? ChangeConfirmation.ShouldChange(this, $"database {target} on {server}",
                $"Replace it with {System.IO.Path.GetFileName(path)} (its sessions are ended; the old copy is dropped once the restored one checks)", ConfirmImpact.High, Force)
            : ChangeConfirmation.ShouldChange(this, $"database {target} on {server}", $"Create it from {System.IO.Path.GetFileName(path)}", ConfirmImpact.Medium, Force);
    }
}
