using System.Management.Automation;
using OpsRunbook.Engine.Database.Backup;

namespace OpsRunbook.Database
{
    /// <summary>
    /// The runbooks' restoration test: checks the checksum, restores into a scratch database, compares the row
    /// counts, drops the scratch database, and writes what matched.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "DatabaseBackup", DefaultParameterSetName = ConnectionStringSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(BackupTestResult))]
    public sealed class TestDatabaseBackupCommand : BackupFileCommandBase
    {
        /// <summary>pg_restore -j for custom-format dumps.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int Jobs { get; set; } = 1;

        protected override void ProcessRecord()
        {
            var connector = Connector();
            foreach (var path in BackupPaths)
            {
                if (!ShouldProcess($"{path} on {connector.Server}", "Restore into a scratch database, compare row counts, drop it"))
                {
                    continue;
                }

                RunEngine(async (reporter, pump, cancellationToken) =>
                {
                    var test = new BackupRestorationTest(new DatabaseRestorer(connector, Environment));
                    var result = await test.TestAsync(path, ToolFolder, Jobs, reporter, cancellationToken).ConfigureAwait(false);
                    pump.Post(() => WriteObject(result));
                });
            }
        }
    }
}
