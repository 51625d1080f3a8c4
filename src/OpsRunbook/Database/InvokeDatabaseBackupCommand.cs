using System;
using System.Management.Automation;
using OpsRunbook.Engine.Database.Backup;

namespace OpsRunbook.Database
{
    /// <summary>Backs up a PostgreSQL database with pg_dump into a checksummed backup with a manifest.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "DatabaseBackup", DefaultParameterSetName = ConnectionStringSet, SupportsShouldProcess = true)]
    [OutputType(typeof(DatabaseBackup))]
    public sealed class InvokeDatabaseBackupCommand : DatabaseCommandBase
    {
        /// <summary>The folder to write to; made when missing.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The database to back up; by default the one the connection names.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Database { get; set; }

        [Parameter]
        public BackupFormat Format { get; set; } = BackupFormat.Custom;

        /// <summary>The folder of pg_dump to use; by default PATH, then /usr/lib/postgresql/&lt;major&gt;/bin.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ToolPath { get; set; }

        /// <summary>Run pg_dump inside this container (docker compose exec postgres pg_dump) and stream its output here.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Container { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DockerHost { get; set; }

        /// <summary>After a successful backup, remove this database's older backups (made by this cmdlet) beyond the newest N.</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int? KeepLast { get; set; }

        protected override void ProcessRecord()
        {
            var connector = Connector();
            var folder = FileSystemPath(Path!);
            var what = Database ?? connector.Connection.Database ?? "(the connection's database)";
            var action = KeepLast is int keep ? $"Back up to {folder}, then keep its newest {keep} backups" : $"Back up to {folder}";
            if (!ShouldProcess($"{what} on {connector.Server}", action))
            {
                return;
            }

            var request = new BackupRequest(folder, Database, Format, ToolPath is null ? null : FileSystemPath(ToolPath), Container, DockerHost, KeepLast);
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                var outcome = await new DatabaseBackupWriter(connector, Environment).BackupAsync(request, reporter, cancellationToken).ConfigureAwait(false);
                pump.Post(() => WriteObject(outcome.Backup));
            });
        }
    }
}
