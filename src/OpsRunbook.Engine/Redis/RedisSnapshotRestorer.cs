using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;
using StackExchange.Redis;

namespace OpsRunbook.Engine.Redis
{
    public sealed record RedisRestoreOutcome(long Keys, TimeSpan Duration);

    /// <summary>
    /// Seed 003's Redis rollback (`docker cp dump.rdb redis:/data/` and a restart), through the Docker Engine API:
    /// the server's container is stopped, the RDB put in its dir under its dbfilename, and the container started;
    /// done when the server answers with the data loaded. The RDB's checksum is the caller's to check first.
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
            string directory, fileName;
            using (var session = await RedisSession.OpenAsync(target.Connection, RedisSession.DefaultTimeout, reporter, cancellationToken).ConfigureAwait(false))
            {
                var server = session.RequirePrimaries("restoring a snapshot")[0];
                if (await ConfigAsync(session, server, "appendonly", cancellationToken).ConfigureAwait(false) == "yes")
                {
                    throw new OpsRunbookException("RedisAppendOnly", FailureCategory.InvalidOperation,
                        $"{target.Name} ({session.DisplayTarget}) has appendonly yes: on restart it loads its append-only file, not an RDB, so the snapshot would not be restored.",
                        target.Name, "Turn off appendonly for the restore (CONFIG SET appendonly no, and in its configuration), or restore its AOF by hand.");
                }

                directory = await ConfigAsync(session, server, "dir", cancellationToken).ConfigureAwait(false);
                fileName = await ConfigAsync(session, server, "dbfilename", cancellationToken).ConfigureAwait(false);
            }

            var container = target.Container ?? throw new OpsRunbookException("RedisRestoreNeedsContainer", FailureCategory.InvalidOperation,
                $"{target.Name} names no Container in the inventory: a snapshot is put back only into a server whose container can be stopped and started.",
                target.Name, $"Add Container = '<name>' to the service, or restore by hand: stop redis-server, copy {rdbPath} to {directory}/{fileName}, start it.");

            using var docker = DockerConnection.Open(target.DockerHost, _environment);
            var lifecycle = new ContainerLifecycle(docker);
            reporter.Verbose($"Stopping {container}, putting {Path.GetFileName(rdbPath)} in as {directory}/{fileName}, starting it again.");
            await lifecycle.StopAsync(container, StopGracePeriod, reporter, cancellationToken).ConfigureAwait(false);
            await new ContainerFiles(docker).CopyInAsync(container, directory, fileName, rdbPath,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, cancellationToken).ConfigureAwait(false);
            await lifecycle.StartAsync(container, reporter, cancellationToken).ConfigureAwait(false);
            var keys = await WaitForDataAsync(target, readyTimeout, reporter, cancellationToken).ConfigureAwait(false);
            return new RedisRestoreOutcome(keys, clock.Elapsed);
        }

        // The server answers LOADING while it reads the file; done when it counts its keys.
        private static async Task<long> WaitForDataAsync(RedisTarget target, TimeSpan readyTimeout, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var delay = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                try
                {
                    using var session = await RedisSession.OpenAsync(target.Connection, RedisSession.DefaultTimeout, reporter, cancellationToken).ConfigureAwait(false);
                    var server = session.RequirePrimaries("counting the restored keys")[0];
                    var keyspace = RedisInfoText.Parse(await session.RunAsync(server, () => server.InfoRawAsync("keyspace"), "reading INFO keyspace", cancellationToken)
                        .ConfigureAwait(false));
                    return keyspace.Keys.Where(k => k.StartsWith("db", StringComparison.Ordinal))
                        .Sum(k => RedisInfoText.Fields(keyspace.Text(k) ?? string.Empty).TryGetValue("keys", out var n) && long.TryParse(n, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var keys) ? keys : 0);
                }
                catch (OpsRunbookException ex) when (clock.Elapsed < readyTimeout && !cancellationToken.IsCancellationRequested)
                {
                    reporter.Verbose($"{target.Name} is not answering yet: {ex.Message}");
                }

                if (clock.Elapsed >= readyTimeout)
                {
                    throw new OpsRunbookException("RedisNotReady", FailureCategory.OperationTimeout,
                        $"{target.Name} did not answer within {readyTimeout.TotalSeconds:0} s of being started with the restored snapshot.",
                        target.Name, $"Look at the container's log (Get-ServiceLog -Container {target.Container}).");
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 2));
            }
        }

        private static async Task<string> ConfigAsync(RedisSession session, IServer server, string name, CancellationToken cancellationToken)
        {
            var pairs = await session.RunAsync(server, () => server.ConfigGetAsync(name), $"reading CONFIG GET {name}", cancellationToken).ConfigureAwait(false);
            return pairs.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value ?? string.Empty;
        }
    }
}
