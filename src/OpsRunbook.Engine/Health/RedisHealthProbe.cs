using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Connections;
using StackExchange.Redis;

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
            var options = _connection.CreateOptions();
            var milliseconds = (int)Math.Max(1, context.Timeout.TotalMilliseconds);
            options.AbortOnConnectFail = true;
            options.ConnectRetry = 1;
            options.ConnectTimeout = milliseconds;
            options.SyncTimeout = milliseconds;
            options.AsyncTimeout = milliseconds;
            options.ClientName = "opsrunbook-health";
            options.AllowAdmin = true; // StackExchange.Redis counts INFO as an admin command; the probe sends only PING and INFO

            // The multiplexer reports a refused port only at its connect timeout; a plain connect first says so at once.
            foreach (var endpoint in _connection.HostEndpoints)
            {
                using var socket = await TcpHealthProbe.Connect(endpoint, cancellationToken).ConfigureAwait(false);
            }

            ConnectionMultiplexer multiplexer;
            try
            {
                multiplexer = await ConnectionMultiplexer.ConnectAsync(options, TextWriter.Null).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisConnectionException ex) when (ex.FailureType == ConnectionFailureType.AuthenticationFailure && string.IsNullOrEmpty(options.Password))
            {
                return new ProbeOutcome(HealthStatus.Unhealthy, "the server requires a password: give it in the URL, with -Credential or with PasswordVariable");
            }

            using var connection = multiplexer;
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

    /// <summary>The "key:value" lines of Redis INFO.</summary>
    internal sealed class RedisInfoText
    {
        private readonly Dictionary<string, string> _values;

        private RedisInfoText(Dictionary<string, string> values)
        {
            _values = values;
        }

        public static RedisInfoText Parse(string? text)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in (text ?? string.Empty).Split('\n'))
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && !line.StartsWith('#'))
                {
                    values[line[..colon]] = line[(colon + 1)..].TrimEnd('\r');
                }
            }

            return new RedisInfoText(values);
        }

        public string? Text(string key) => _values.TryGetValue(key, out var value) ? value : null;

        public long? Long(string key) => long.TryParse(Text(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
