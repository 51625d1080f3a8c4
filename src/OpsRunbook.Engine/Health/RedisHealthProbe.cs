using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Health
{
    /// <summary>PINGs Redis and compares used_memory with maxmemory.</summary>
    internal sealed class RedisHealthProbe : HealthProbe
    {
        public const double DegradedMemoryShare = 0.90;

        private readonly RedisConnectionInfo _connection;

        public RedisHealthProbe(RedisConnectionInfo connection)
        {
            _connection = connection;
        }

        /// <summary>The connection it probes, for the incident evidence that reads more from the same server.</summary>
        internal RedisConnectionInfo Connection => _connection;

        public override ServiceKind Kind => ServiceKind.Redis;

        public override string DisplayTarget => _connection.DisplayTarget;

        public override string DefaultName => _connection.DefaultName;

        public override IEnumerable<string?> Secrets => _connection.Secrets;

        public override async Task<ProbeOutcome> ProbeAsync(ProbeContext context, CancellationToken cancellationToken)
        {
            using var multiplexer = await RedisConnector.ConnectAsync(_connection, new RedisConnectSettings(context.Timeout, "opsrunbook-health"), cancellationToken)
                .ConfigureAwait(false);
            var database = multiplexer.GetDatabase();
            var ping = await database.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            var server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
            var info = RedisInfoText.Parse(await server.InfoRawAsync().WaitAsync(cancellationToken).ConfigureAwait(false));

            var used = info.Long("used_memory");
            var max = info.Long("maxmemory");
            var share = max is > 0 && used is not null ? (double)used.Value / max.Value : 0;
            var status = share >= DegradedMemoryShare ? HealthStatus.Degraded : HealthStatus.Healthy;
            return new ProbeOutcome(status, status == HealthStatus.Degraded
                ? $"used_memory {used} of maxmemory {max} bytes ({share:P0}), at or above {DegradedMemoryShare:P0}"
                : null)
            {
                Version = info.Text("redis_version"),
                Details = new[]
                {
                    new KeyValuePair<string, object?>("PingMs", Math.Round(ping.TotalMilliseconds, 3)),
                    new KeyValuePair<string, object?>("UsedMemoryBytes", used),
                    new KeyValuePair<string, object?>("MaxMemoryBytes", max),
                    new KeyValuePair<string, object?>("MaxMemoryPolicy", info.Text("maxmemory_policy")),
                    new KeyValuePair<string, object?>("Role", info.Text("role")),
                },
            };
        }
    }
}
