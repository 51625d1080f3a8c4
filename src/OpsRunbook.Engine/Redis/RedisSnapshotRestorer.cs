using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Engine.Redis
{
    public sealed record RedisRestoreOutcome(long Keys, TimeSpan Duration);

    /// <summary>
    /// Seed 003's Redis rollback (`docker cp dump.rdb redis:/data/` and a restart), through the Docker Engine API:
    /// the RDB is put into the server's dir under a name of its own and read back to check it while the server runs;
    /// then the container is stopped, the staged file linked in under its dbfilename, and the container started; done
    /// when the server answers with the data loaded. A server on this machine in no container gets the snapshot
    /// by replication instead (<see cref="RedisReplicaLoader"/>). The RDB's checksum is the caller's to check first.
    /// </summary>
    public sealed class RedisSnapshotRestorer
    {
        private static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(30);

        private const string StagedPrefix = ".opsrunbook-restore-";

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
                    throw new OpsRunbookException(RedisErrors.RedisRestoreNeedsContainer, FailureCategory.InvalidOperation,
                        $"{target.Name} names no Container in the inventory and is not on this machine: a snapshot is put back only into a server in a container, or one reached on loopback.",
                        target.Name, $"Add Container = '<name>' to the service, or restore by hand: stop redis-server, copy {rdbPath} into its dir (CONFIG GET dir) as its dbfilename, start it.");
                }

                var loaded = await new RedisReplicaLoader(_environment).LoadAsync(target, rdbPath, readyTimeout, reporter, cancellationToken).ConfigureAwait(false);
                return new RedisRestoreOutcome(loaded, clock.Elapsed);
            }

            var container = target.Container;
            if ((await RedisRestoreRecovery.RepairContainersAsync(_environment, reporter, cancellationToken).ConfigureAwait(false)).Contains(container))
            {
                await WaitReadyAsync(target, readyTimeout, reporter, cancellationToken).ConfigureAwait(false);
            }

            string directory, fileName, endpoint;
            using (var session = await RedisSession.OpenAsync(target.Connection, RedisSession.DefaultTimeout, reporter, cancellationToken).ConfigureAwait(false))
            {
                var server = session.RequirePrimaries("restoring a snapshot")[0];
                if (await session.ConfigAsync(server, "appendonly", cancellationToken).ConfigureAwait(false) == "yes")
                {
                    throw new OpsRunbookException(RedisErrors.RedisAppendOnly, FailureCategory.InvalidOperation,
                        $"{target.Name} ({session.DisplayTarget}) has appendonly yes: on restart it loads its append-only file, not an RDB, so the snapshot would not be restored.",
                        target.Name, "Turn off appendonly for the restore (CONFIG SET appendonly no, and in its configuration), or restore its AOF by hand.");
                }

                directory = await session.ConfigAsync(server, "dir", cancellationToken).ConfigureAwait(false);
                fileName = await session.ConfigAsync(server, "dbfilename", cancellationToken).ConfigureAwait(false);
                endpoint = RedisSession.Endpoint(server);
            }

            using var docker = DockerConnection.Open(target.DockerHost, _environment);
            var files = new ContainerFiles(docker);
            var exec = new ContainerExec(docker);
            await RemoveStagedAsync(exec, container, directory, null, reporter, cancellationToken).ConfigureAwait(false);

            // Staged beside the server's file and checked while the server runs: a failure up to here leaves it running with its data.
            var staged = $"{StagedPrefix}{Guid.NewGuid():N}.rdb";
            reporter.Verbose($"Putting {Path.GetFileName(rdbPath)} into {container} as {directory}/{staged} and checking it before {target.Name} is stopped.");
            try
            {
                await files.CopyInAsync(container, directory, staged, rdbPath, PrivateFiles.FileMode, cancellationToken).ConfigureAwait(false);
                var expected = await ChecksumFile.ComputeAsync(rdbPath, cancellationToken).ConfigureAwait(false);
                var found = await files.Sha256Async(container, $"{directory.TrimEnd('/')}/{staged}", cancellationToken).ConfigureAwait(false);
                if (found != expected)
                {
                    throw new OpsRunbookException(RedisErrors.RedisStagingFailed, FailureCategory.WriteError,
                        $"The snapshot put into {container} reads back with SHA-256 {found}, not {expected}; {target.Name} was not stopped and keeps its data.",
                        target.Name, "Check the container's free space (docker exec ... df) and run the restore again.");
                }
            }
            catch
            {
                await RemoveStagedAsync(exec, container, directory, staged, OperationReporter.None, CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            // The swap: stopped, the staged file linked in as the server's own (names only), started. A kill in between
            // leaves the record that has the next Redis restore or rollback start the container again.
            var lifecycle = new ContainerLifecycle(docker);
            using (var mark = RedisRestoreMark.Begin(new RedisRestoreRecord { Kind = "container", Target = target.Name, Endpoint = endpoint, Container = container, DockerHost = target.DockerHost }))
            {
                reporter.Verbose($"Stopping {container}, linking {staged} in as {directory}/{fileName}, starting it again.");
                await lifecycle.StopAsync(container, StopGracePeriod, reporter, cancellationToken).ConfigureAwait(false);
                try
                {
                    await files.LinkAsync(container, directory, fileName, staged, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    await lifecycle.StartAsync(container, reporter, CancellationToken.None).ConfigureAwait(false);
                }
            }

            // Done when the server has read the whole file and counts its keys.
            var keys = await WaitReadyAsync(target, readyTimeout, reporter, cancellationToken).ConfigureAwait(false);
            await RemoveStagedAsync(exec, container, directory, staged, reporter, CancellationToken.None).ConfigureAwait(false);
            return new RedisRestoreOutcome(keys, clock.Elapsed);
        }

        private static Task<long> WaitReadyAsync(RedisTarget target, TimeSpan readyTimeout, IOperationReporter reporter, CancellationToken cancellationToken) =>
            RedisKeyCount.WaitAsync(target.Connection, readyTimeout, () => new OpsRunbookException(RedisErrors.RedisNotReady, FailureCategory.OperationTimeout,
                    $"{target.Name} did not answer within {readyTimeout.TotalSeconds:0} s of being started.",
                    target.Name, $"Look at the container's log (Get-ServiceLog -Container {target.Container})."), reporter, cancellationToken);

        /// <summary>
        /// Removes a staged snapshot (one name, or with none every one a killed restore left) from the server's dir, through
        /// a shell in the running container; says what it removed. A container without a shell keeps them, with a warning.
        /// </summary>
        private static async Task RemoveStagedAsync(ContainerExec exec, string container, string directory, string? staged, IOperationReporter reporter,
            CancellationToken cancellationToken)
        {
            var pattern = staged ?? StagedPrefix + "*.rdb";
            using var output = new MemoryStream();
            try
            {
                var outcome = await exec.RunAsync(container, new[] { "sh", "-c", $"for f in \"$1\"/{pattern}; do [ -e \"$f\" ] && rm -f -- \"$f\" && echo \"$f\"; done; true", "sh", directory },
                    output, null, null, cancellationToken).ConfigureAwait(false);
                var removed = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (outcome.ExitCode != 0)
                {
                    reporter.Warning($"Could not remove {directory}/{pattern} in {container}: {outcome.StandardError}");
                }
                else if (staged is null && removed.Length > 0)
                {
                    reporter.Warning($"Removed {string.Join(", ", removed)} in {container}: snapshots staged by a restore that was stopped before it finished.");
                }
            }
            catch (OpsRunbookException ex)
            {
                reporter.Warning($"Could not remove {directory}/{pattern} in {container}: {ex.Message}");
            }
        }
    }
}
