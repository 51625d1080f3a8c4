using System;
using System.Management.Automation;
using OpsRunbook.Engine.Redis;

namespace OpsRunbook.Redis
{
    /// <summary>
    /// BGSAVE, wait for it, and copy the RDB snapshot to -Path with a .sha256 sidecar: from the server's dir on this
    /// machine, or out of the server's container with -Container.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "RedisBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ConnectionStringSet)]
    [OutputType(typeof(RedisBackup))]
    public sealed class InvokeRedisBackupCommand : RedisCommandBase
    {
        /// <summary>The backup file to write, or a folder to write redis-HOST-PORT-TIME.rdb into.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The container that runs the server: the snapshot is copied out of it through the Docker Engine API.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Container { get; set; }

        /// <summary>The Docker daemon of -Container; default DOCKER_HOST, else the local socket.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DockerHost { get; set; }

        /// <summary>How long the server may take to write its snapshot, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int SaveTimeoutSec { get; set; } = (int)RedisBackupMaker.DefaultSaveTimeout.TotalSeconds;

        protected override void ProcessRecord()
        {
            var path = FileSystemPath(Path!);
            foreach (var target in ResolveTargets())
            {
                // -Container is where the snapshot is; an inventory's Container is where it is when it is not on this machine.
                var container = Container ?? target.Container;
                var from = Container is not null ? $"the container {Container}" : target.Container is null ? "its dir" : $"its dir, or the container {target.Container}";
                if (!ShouldProcess(target.Connection.DisplayTarget, $"Save a snapshot (BGSAVE) and copy it from {from} to {path}"))
                {
                    continue;
                }

                var request = new RedisBackupRequest(path, container, DockerHost ?? target.DockerHost, TimeSpan.FromSeconds(SaveTimeoutSec),
                    ContainerIfNotLocal: Container is null);
                RunWithSession(target, async (session, reporter, pump, cancellationToken) =>
                {
                    var backup = await new RedisBackupMaker(session, Environment).BackupAsync(request, reporter, cancellationToken).ConfigureAwait(false);
                    pump.Post(() => WriteObject(backup));
                });
            }
        }
    }
}
