using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using StackExchange.Redis;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>Where a server wrote its snapshot, and when it finished.</summary>
    /// <param name="Directory">The server's dir (CONFIG GET dir), as the server sees it.</param>
    /// <param name="FileName">Its dbfilename.</param>
    public sealed record RedisSnapshot(string Directory, string FileName, DateTimeOffset SavedAt)
    {
        /// <summary>dir/dbfilename, joined as the server's (POSIX) file system joins them.</summary>
        public string Path => FileName.StartsWith('/') ? FileName : Directory.TrimEnd('/') + "/" + FileName;
    }

    /// <summary>
    /// BGSAVE, then the wait the runbooks leave out: until the server reports the save finished, and how. A save
    /// already running is waited for first (its snapshot began before we asked); a failed save is an error.
    /// </summary>
    public sealed class RedisSnapshotter
    {
        private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(50);
        private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(1);

        private readonly RedisSession _session;

        public RedisSnapshotter(RedisSession session)
        {
            _session = session;
        }

        public async Task<RedisSnapshot> SaveAsync(IServer server, TimeSpan saveTimeout, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var where = RedisSession.Endpoint(server);
            var directory = await ConfigAsync(server, "dir", cancellationToken).ConfigureAwait(false);
            var fileName = await ConfigAsync(server, "dbfilename", cancellationToken).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            var activity = $"Saving a snapshot of {where} (BGSAVE)";

            long? savesBefore;
            while (true)
            {
                var before = await PersistenceAsync(server, cancellationToken).ConfigureAwait(false);
                savesBefore = before.Long("rdb_saves");
                if (before.Long("rdb_bgsave_in_progress") == 1)
                {
                    reporter.Verbose($"{where} is already saving a snapshot; waiting for it to finish before starting ours.");
                    await WaitWhileSavingAsync(server, null, saveTimeout, clock, reporter, activity, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var started = await StartAsync(server, cancellationToken).ConfigureAwait(false);
                if (started)
                {
                    break;
                }

                // Another save began between our look and our BGSAVE: wait for it, then ask again.
                await WaitWhileSavingAsync(server, null, saveTimeout, clock, reporter, activity, cancellationToken).ConfigureAwait(false);
            }

            reporter.Verbose($"BGSAVE started on {where}; waiting for it to write {directory.TrimEnd('/')}/{fileName}.");
            var after = await WaitWhileSavingAsync(server, savesBefore, saveTimeout, clock, reporter, activity, cancellationToken).ConfigureAwait(false);
            reporter.Progress(new OperationProgress(activity, "Done", 100, Completed: true));
            var status = after.Text("rdb_last_bgsave_status");
            if (!string.Equals(status, "ok", StringComparison.OrdinalIgnoreCase))
            {
                throw new OpsRunbookException(RedisErrors.RedisBackupSaveFailed, FailureCategory.WriteError,
                    $"{where} could not write its snapshot: BGSAVE ended with rdb_last_bgsave_status:{status ?? "(none)"}.", _session.DisplayTarget,
                    $"Read the server's log for the cause (disk full, the folder {directory} gone or not writable, out of memory for fork).");
            }

            var saved = await _session.RunAsync(server, () => server.LastSaveAsync(), "reading LASTSAVE", cancellationToken).ConfigureAwait(false);
            return new RedisSnapshot(directory, fileName, new DateTimeOffset(DateTime.SpecifyKind(saved, DateTimeKind.Utc)).ToLocalTime());
        }

        /// <summary>True when BGSAVE started (or was scheduled behind an AOF rewrite); false when another save is running.</summary>
        private async Task<bool> StartAsync(IServer server, CancellationToken cancellationToken)
        {
            try
            {
                await _session.RunAsync(server, () => server.ExecuteAsync("BGSAVE", Array.Empty<object>(), CommandFlags.None), "starting BGSAVE", cancellationToken)
                    .ConfigureAwait(false);
                return true;
            }
            catch (OpsRunbookException ex) when (ex.InnerException is RedisServerException busy && busy.Message.Contains("already in progress", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            catch (OpsRunbookException ex) when (ex.InnerException is RedisServerException aof && aof.Message.Contains("BGSAVE SCHEDULE", StringComparison.OrdinalIgnoreCase))
            {
                await _session.RunAsync(server, () => server.ExecuteAsync("BGSAVE", new object[] { "SCHEDULE" }, CommandFlags.None), "scheduling BGSAVE", cancellationToken)
                    .ConfigureAwait(false);
                return true;
            }
        }

        /// <summary>
        /// Polls INFO persistence until no save runs (and, when <paramref name="savesBefore"/> is given, one more save
        /// has ended than before: a scheduled save may not have begun yet). Bounded by <paramref name="saveTimeout"/>.
        /// </summary>
        private async Task<RedisInfoText> WaitWhileSavingAsync(IServer server, long? savesBefore, TimeSpan saveTimeout, Stopwatch clock,
            IOperationReporter reporter, string activity, CancellationToken cancellationToken)
        {
            var delay = FirstPoll;
            while (true)
            {
                var info = await PersistenceAsync(server, cancellationToken).ConfigureAwait(false);
                var saving = info.Long("rdb_bgsave_in_progress") == 1;
                var saves = info.Long("rdb_saves");
                if (!saving && (savesBefore is null || saves is null || saves > savesBefore))
                {
                    return info;
                }

                if (clock.Elapsed > saveTimeout)
                {
                    throw new OpsRunbookException(RedisErrors.RedisBackupTimeout, FailureCategory.OperationTimeout,
                        $"{RedisSession.Endpoint(server)} was still saving its snapshot after {saveTimeout.TotalSeconds:0.###} s.", _session.DisplayTarget,
                        "Give a longer -SaveTimeoutSec; INFO persistence shows how far the save is (current_save_keys_processed).");
                }

                var done = info.Long("current_save_keys_processed");
                var total = info.Long("current_save_keys_total");
                var percent = done is long d && total is long t and > 0 ? (int)Math.Clamp(100 * d / t, 0, 99) : -1;
                reporter.Progress(new OperationProgress(activity, saving && total is > 0 ? $"{done:N0} of {total:N0} keys written" : "Waiting for the save", percent));
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(LongestPoll.Ticks, delay.Ticks * 2));
            }
        }

        private async Task<RedisInfoText> PersistenceAsync(IServer server, CancellationToken cancellationToken) =>
            RedisInfoText.Parse(await _session.RunAsync(server, () => server.InfoRawAsync("persistence"), "reading INFO persistence", cancellationToken)
                .ConfigureAwait(false));

        private async Task<string> ConfigAsync(IServer server, string name, CancellationToken cancellationToken)
        {
            var value = await _session.ConfigAsync(server, name, cancellationToken).ConfigureAwait(false);
            return value.Length > 0
                ? value
                : throw new OpsRunbookException(RedisErrors.RedisBackupConfigUnavailable, FailureCategory.PermissionDenied,
                    $"{RedisSession.Endpoint(server)} does not tell its '{name}' (CONFIG GET {name} answered nothing), so the snapshot cannot be found.",
                    _session.DisplayTarget, "Connect as a user allowed to run CONFIG GET; managed services that disable CONFIG offer their own backups.");
        }
    }
}
