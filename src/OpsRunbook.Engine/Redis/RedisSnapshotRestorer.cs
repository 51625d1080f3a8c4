using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Engine.Redis
{
    public sealed record RedisRestoreOutcome(long Keys, TimeSpan Duration);

    /// <summary>
    /// Seed 003's Redis rollback (`docker cp dump.rdb redis:/data/` and a restart), through the Docker Engine API:
    /// the server's container is stopped, the RDB put in its dir under its dbfilename, and the container started;
    /// done when the server answers with the data loaded. A server on this machine in no container gets the snapshot
    /// by replication instead (<see cref="RedisReplicaLoader"/>). The RDB's checksum is the caller's to check first.
    /// </summary>
    public sealed class RedisSnapshotRestorer
    {
        private static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(30);

        private readonly Func<string, string?> _environment;

        public RedisSnapshotRestorer(Func<string, string?> environment)
        {
            _environment = environment;
        }

        public async Task<RedisRestoreOutcome> RestoreAsync(RedisTarget target, string rdbPath, TimeSpan readyTimeout, IOperationReporter reporter,
            CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            if (target.Container is null)
            {
                if (!RedisReplicaLoader.IsLocal(target))
                {
                    throw new OpsRunbookException("RedisRestoreNeedsContainer", FailureCategory.InvalidOperation,
                        $"{target.Name} names no Container in the inventory and is not on this machine: a snapshot is put back only into a server in a container, or one reached on loopback.",
                        target.Name, $"Add Container = '<name>' to the service, or restore by hand: stop redis-server, copy {rdbPath} into its dir (CONFIG GET dir) as its dbfilename, start it.");
                }

                var loaded = await new RedisReplicaLoader(_environment).LoadAsync(target, rdbPath, readyTimeout, reporter, cancellationToken).ConfigureAwait(false);
                return new RedisRestoreOutcome(loaded, clock.Elapsed);
            }

            var container = target.Container;
            string directory, fileName;
            using (var session = await RedisSession.OpenAsync(target.Connection, RedisSession.DefaultTimeout, reporter, cancellationToken).ConfigureAwait(false))
            {
                var server = session.RequirePrimaries("restoring a snapshot")[0];
                if (await session.ConfigAsync(server, "appendonly", cancellationToken).ConfigureAwait(false) == "yes")
                {
                    throw new OpsRunbookException("RedisAppendOnly", FailureCategory.InvalidOperation,
                        $"{target.Name} ({session.DisplayTarget}) has appendonly yes: on restart it loads its append-only file, not an RDB, so the snapshot would not be restored.",
                        target.Name, "Turn off appendonly for the restore (CONFIG SET appendonly no, and in its configuration), or restore its AOF by hand.");
                }

                directory = await session.ConfigAsync(server, "dir", cancellationToken).ConfigureAwait(false);
                fileName = await session.ConfigAsync(server, "dbfilename", cancellationToken).ConfigureAwait(false);
            }

            using var docker = DockerConnection.Open(target.DockerHost, _environment);
            var lifecycle = new ContainerLifecycle(docker);
            reporter.Verbose($"Stopping {container}, putting {Path.GetFileName(rdbPath)} in as {directory}/{fileName}, starting it again.");
            await lifecycle.StopAsync(container, StopGracePeriod, reporter, cancellationToken).ConfigureAwait(false);
            await new ContainerFiles(docker).CopyInAsync(container, directory, fileName, rdbPath,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, cancellationToken).ConfigureAwait(false);
            await lifecycle.StartAsync(container, reporter, cancellationToken).ConfigureAwait(false);
            // Done when the server has read the whole file and counts its keys.
            var keys = await RedisKeyCount.WaitAsync(target.Connection, readyTimeout, () => new OpsRunbookException("RedisNotReady", FailureCategory.OperationTimeout,
                    $"{target.Name} did not answer within {readyTimeout.TotalSeconds:0} s of being started with the restored snapshot.",
                    target.Name, $"Look at the container's log (Get-ServiceLog -Container {target.Container})."), reporter, cancellationToken)
                .ConfigureAwait(false);
            return new RedisRestoreOutcome(keys, clock.Elapsed);
        }
    }
}
