using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>How many keys a server holds, across its databases, once it has finished loading its data.</summary>
    internal static class RedisKeyCount
    {
        /// <returns>The keys of every database (INFO keyspace); null while the server is still loading a snapshot.</returns>
        public static async Task<long?> ReadAsync(RedisConnectionInfo connection, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            using var session = await RedisSession.OpenAsync(connection, RedisSession.DefaultTimeout, reporter, cancellationToken).ConfigureAwait(false);
            var server = session.Servers[0];
            var info = RedisInfoText.Parse(await session.RunAsync(server, () => server.InfoRawAsync("persistence"), "reading INFO persistence", cancellationToken)
                .ConfigureAwait(false));
            if (info.Text("loading") == "1")
            {
                return null;
            }

            var keyspace = RedisInfoText.Parse(await session.RunAsync(server, () => server.InfoRawAsync("keyspace"), "reading INFO keyspace", cancellationToken)
                .ConfigureAwait(false));
            return RedisInfoReader.Databases(keyspace).Sum(d => d.Keys);
        }

        /// <summary>
        /// Asks until the server answers with its data loaded. <paramref name="beforeEachRound"/> may throw to give up
        /// early (a server process that exited will never answer); <paramref name="timedOut"/> is the error after
        /// <paramref name="timeout"/>.
        /// </summary>
        public static async Task<long> WaitAsync(RedisConnectionInfo connection, TimeSpan timeout, Func<OpsRunbookException> timedOut, IOperationReporter reporter,
            CancellationToken cancellationToken, Action? beforeEachRound = null)
        {
            var clock = Stopwatch.StartNew();
            var delay = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                beforeEachRound?.Invoke();
                try
                {
                    if (await ReadAsync(connection, reporter, cancellationToken).ConfigureAwait(false) is long keys)
                    {
                        return keys;
                    }
                }
                catch (OpsRunbookException ex) when (clock.Elapsed < timeout && !cancellationToken.IsCancellationRequested)
                {
                    reporter.Verbose($"{connection.DisplayTarget} is not answering yet: {ex.Message}");
                }

                if (clock.Elapsed >= timeout)
                {
                    throw timedOut();
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 2));
            }
        }
    }
}
