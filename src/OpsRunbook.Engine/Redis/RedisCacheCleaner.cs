using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using StackExchange.Redis;

namespace OpsRunbook.Engine.Redis
{
    /// <param name="Pattern">A Redis glob: the keys to delete.</param>
    /// <param name="Database">Null for the connection's database (redis://host/N), else 0.</param>
    /// <param name="BatchSize">The COUNT of each SCAN: how much of the keyspace one command walks.</param>
    /// <param name="WhatIf">Count the matching keys, delete nothing.</param>
    public sealed record RedisClearRequest(string Pattern, int? Database, int BatchSize = RedisCacheCleaner.DefaultBatchSize, bool WhatIf = false);

    /// <summary>
    /// Deletes the keys that match a pattern without blocking the server: SCAN walks the keyspace a COUNT at a time,
    /// and each batch it finds goes to UNLINK while the next SCAN is already on its way, so the server is never
    /// idle waiting for the client and never busy for long on one command. Never KEYS. Every primary of the
    /// connection is swept at once (each endpoint listed, or each primary of a cluster). Only keys that match the
    /// pattern are deleted: the server filters with MATCH, and each key is checked again here before UNLINK.
    /// </summary>
    public sealed class RedisCacheCleaner
    {
        public const int DefaultBatchSize = 500;

        // One UNLINK on its way while the next SCAN runs keeps the server busy without a queue of commands behind it:
        // measured on two shared cores, deeper pipelines were barely faster and made other clients' PINGs wait longer.
        private const int UnlinksInFlight = 1;

        private readonly RedisSession _session;

        public RedisCacheCleaner(RedisSession session)
        {
            _session = session;
        }

        /// <summary>
        /// Deletes (or with WhatIf counts) the keys matching the pattern. When the connection is lost or a command
        /// fails part way, throws an error whose TargetObject is the partial result: what had been deleted by then.
        /// </summary>
        public async Task<RedisCacheClearResult> ClearAsync(RedisClearRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var glob = RedisGlob.Parse(request.Pattern);
            if (request.BatchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(request), request.BatchSize, "The batch size must be at least 1.");
            }

            var database = _session.ResolveDatabase(request.Database);
            var primaries = _session.RequirePrimaries("deleting keys");
            var cluster = _session.IsCluster;
            var tally = new ClearTally(primaries.Count);
            var clock = Stopwatch.StartNew();
            var activity = $"{(request.WhatIf ? "Counting" : "Deleting")} the keys matching '{glob}' in database {database} of {_session.DisplayTarget}";
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sweeps = primaries.Select((server, index) => SweepAsync(server, index, glob, database, cluster, request, tally, reporter, activity, stop)).ToList();
            try
            {
                await Task.WhenAll(sweeps).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested &&
                sweeps.Where(s => s.IsFaulted).Select(s => s.Exception!.GetBaseException()).OfType<OpsRunbookException>().FirstOrDefault() is { } failure)
            {
                var partial = Result(glob.Text, database, primaries.Count, tally, clock.Elapsed, request.WhatIf, completed: false);
                var sofar = request.WhatIf
                    ? $"{tally.Matched} keys matching '{glob}' had been counted by then; nothing was deleted."
                    : $"{tally.Deleted} keys matching '{glob}' had been deleted from database {database} by then, and no key outside the pattern was touched. Run the command again to delete the rest.";
                throw new OpsRunbookException(failure.ErrorId, failure.Category, $"{failure.Message.TrimEnd('.')}. {sofar}", partial, failure.RecommendedAction, failure);
            }
            finally
            {
                reporter.Progress(new OperationProgress(activity, "Done", 100, Completed: true));
            }

            return Result(glob.Text, database, primaries.Count, tally, clock.Elapsed, request.WhatIf, completed: true);
        }

        /// <summary>-All: FLUSHDB ASYNC of the one database on every primary (with WhatIf, only DBSIZE).</summary>
        public async Task<RedisCacheClearResult> FlushAsync(int? requestedDatabase, bool whatIf, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var database = _session.ResolveDatabase(requestedDatabase);
            var primaries = _session.RequirePrimaries("deleting keys");
            var clock = Stopwatch.StartNew();
            var sizes = await Task.WhenAll(primaries.Select(async server =>
            {
                var size = await _session.RunAsync(server, () => server.DatabaseSizeAsync(database), $"counting the keys of database {database}", cancellationToken)
                    .ConfigureAwait(false);
                if (!whatIf)
                {
                    reporter.Verbose($"FLUSHDB ASYNC of database {database} on {RedisSession.Endpoint(server)} ({size} keys).");
                    await _session.RunAsync(server, () => server.ExecuteAsync(database, "FLUSHDB", new object[] { "ASYNC" }, CommandFlags.None),
                        $"flushing database {database}", cancellationToken).ConfigureAwait(false);
                }

                return size;
            })).ConfigureAwait(false);

            return new RedisCacheClearResult(_session.DisplayTarget, database, "*")
            {
                Method = RedisClearMethod.FlushDatabase,
                Primaries = primaries.Count,
                Scanned = sizes.Sum(),
                Matched = sizes.Sum(),
                Deleted = whatIf ? 0 : sizes.Sum(),
                Duration = clock.Elapsed,
                WhatIf = whatIf,
            };
        }

        private async Task SweepAsync(IServer server, int index, RedisGlob glob, int database, bool cluster, RedisClearRequest request, ClearTally tally,
            IOperationReporter reporter, string activity, CancellationTokenSource stop)
        {
            var where = RedisSession.Endpoint(server);
            var doing = $"deleting the keys matching '{glob}' from database {database}";
            var unlinks = new Queue<Task<long>>();
            try
            {
                tally.AddScanned(await _session.RunAsync(server, () => server.DatabaseSizeAsync(database), $"counting the keys of database {database}", stop.Token)
                    .ConfigureAwait(false));
                if (reporter.IsVerbose)
                {
                    reporter.Verbose($"Scanning database {database} of {where} for '{glob}', {request.BatchSize} at a time{(request.WhatIf ? "; counting only (WhatIf)" : string.Empty)}.");
                }

                var cursor = "0";
                do
                {
                    stop.Token.ThrowIfCancellationRequested();
                    var scanArguments = new object[] { cursor, "MATCH", glob.Text, "COUNT", request.BatchSize };
                    var reply = await _session.RunAsync(server, () => server.ExecuteAsync(database, "SCAN", scanArguments, CommandFlags.None), doing, stop.Token)
                        .ConfigureAwait(false);
                    (cursor, var found) = ReadScanReply(reply);
                    var keys = MatchingKeys(found, glob);
                    tally.AddMatched(keys.Count);
                    if (!request.WhatIf && keys.Count > 0)
                    {
                        foreach (var group in UnlinkGroups(keys, cluster))
                        {
                            // Not tied to the stop token: an UNLINK already sent is counted when its answer comes.
                            unlinks.Enqueue(_session.RunAsync(server, () => Unlink(server, database, cluster, group), doing, CancellationToken.None));
                        }

                        while (unlinks.Count > UnlinksInFlight || (unlinks.Count > 0 && unlinks.Peek().IsCompleted))
                        {
                            tally.AddDeleted(await unlinks.Dequeue().ConfigureAwait(false));
                        }
                    }

                    tally.SetDone(index, ScannedFraction(cursor));
                    reporter.Progress(tally.Progress(activity, request.WhatIf));
                }
                while (cursor != "0");

                while (unlinks.Count > 0)
                {
                    tally.AddDeleted(await unlinks.Dequeue().ConfigureAwait(false));
                }
            }
            catch (Exception)
            {
                stop.Cancel();
                await CountAnsweredAsync(unlinks, tally).ConfigureAwait(false);
                throw;
            }
        }

        // After a failure the deletes already sent still answer (or fail fast on a lost connection): count those that did.
        private static async Task CountAnsweredAsync(Queue<Task<long>> unlinks, ClearTally tally)
        {
            while (unlinks.Count > 0)
            {
                try
                {
                    tally.AddDeleted(await unlinks.Dequeue().ConfigureAwait(false));
                }
                catch (Exception)
                {
                    // Not confirmed: not counted.
                }
            }
        }

        private async Task<long> Unlink(IServer server, int database, bool cluster, object[] keys)
        {
            // A cluster refuses a multi-key command across hash slots; its batches are grouped by slot and routed by key.
            var reply = cluster
                ? await _session.Multiplexer.GetDatabase(database).ExecuteAsync("UNLINK", keys, CommandFlags.None).ConfigureAwait(false)
                : await server.ExecuteAsync(database, "UNLINK", keys, CommandFlags.None).ConfigureAwait(false);
            return (long)reply;
        }

        private IEnumerable<object[]> UnlinkGroups(List<RedisValue> keys, bool cluster)
        {
            if (!cluster)
            {
                var arguments = new object[keys.Count];
                for (var i = 0; i < keys.Count; i++)
                {
                    arguments[i] = keys[i];
                }

                yield return arguments;
                yield break;
            }

            // Keys route a cluster command to its slot's primary: there they go as keys.
            foreach (var slot in keys.Select(k => (RedisKey)(byte[]?)k).GroupBy(k => _session.Multiplexer.HashSlot(k)))
            {
                yield return slot.Select(k => (object)k).ToArray();
            }
        }

        // The keys as values: they keep the bytes the server sent, so checking them against the pattern copies nothing.
        private static (string Cursor, RedisValue[] Keys) ReadScanReply(RedisResult reply)
        {
            var parts = (RedisResult[]?)reply;
            if (parts is not { Length: 2 })
            {
                throw new RedisException($"SCAN answered '{reply}', not a cursor and a list of keys.");
            }

            return ((string?)parts[0] ?? "0", (RedisValue[]?)parts[1] ?? Array.Empty<RedisValue>());
        }

        private static List<RedisValue> MatchingKeys(RedisValue[] found, RedisGlob glob)
        {
            var keys = new List<RedisValue>(found.Length);
            foreach (var key in found)
            {
                if (glob.IsMatch((byte[]?)key ?? Array.Empty<byte>()))
                {
                    keys.Add(key);
                }
            }

            return keys;
        }

        /// <summary>
        /// How much of the keyspace the scan has walked: SCAN's cursor counts buckets with its bits reversed, so its
        /// bits reversed again, read as a fraction of 2^64, is the share done whatever the table's size.
        /// </summary>
        internal static double ScannedFraction(string cursor)
        {
            if (!ulong.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return 0;
            }

            if (value == 0)
            {
                return 1;
            }

            ulong reversed = 0;
            for (var bit = 0; bit < 64; bit++, value >>= 1)
            {
                reversed = (reversed << 1) | (value & 1);
            }

            return reversed / Math.Pow(2, 64);
        }

        private RedisCacheClearResult Result(string pattern, int database, int primaries, ClearTally tally, TimeSpan duration, bool whatIf, bool completed) =>
            new(_session.DisplayTarget, database, pattern)
            {
                Method = RedisClearMethod.ScanUnlink,
                Primaries = primaries,
                Scanned = tally.Scanned,
                Matched = tally.Matched,
                Deleted = tally.Deleted,
                Duration = duration,
                WhatIf = whatIf,
                Completed = completed,
            };

        /// <summary>Counts shared by the sweeps of all primaries, from any thread.</summary>
        private sealed class ClearTally
        {
            private readonly double[] _done;
            private long _scanned;
            private long _matched;
            private long _deleted;

            public ClearTally(int primaries)
            {
                _done = new double[primaries];
            }

            public long Scanned => Interlocked.Read(ref _scanned);

            public long Matched => Interlocked.Read(ref _matched);

            public long Deleted => Interlocked.Read(ref _deleted);

            public void AddScanned(long count) => Interlocked.Add(ref _scanned, count);

            public void AddMatched(long count) => Interlocked.Add(ref _matched, count);

            public void AddDeleted(long count) => Interlocked.Add(ref _deleted, count);

            public void SetDone(int primary, double fraction) => Volatile.Write(ref _done[primary], fraction);

            public OperationProgress Progress(string activity, bool whatIf)
            {
                var done = 0.0;
                for (var i = 0; i < _done.Length; i++)
                {
                    done += Volatile.Read(ref _done[i]);
                }

                var percent = (int)Math.Clamp(done / _done.Length * 100, 0, 100);
                var status = whatIf
                    ? $"{Matched:N0} matching keys found among about {Scanned:N0}"
                    : $"{Deleted:N0} deleted of {Matched:N0} matching keys found among about {Scanned:N0}";
                return new OperationProgress(activity, status, percent);
            }
        }
    }
}
