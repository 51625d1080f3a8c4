using System;
using System.Globalization;
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
            return keyspace.Keys.Where(k => k.StartsWith("db", StringComparison.Ordinal))
                .Sum(k => RedisInfoText.Fields(keyspace.Text(k) ?? string.Empty).TryGetValue("keys", out var n)
                    && long.TryParse(n, NumberStyles.Integer, CultureInfo.InvariantCulture, out var keys) ? keys : 0);
        }
    }
}
