using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Health
{
    /// <summary>Connects, runs one query, and compares client connections with max_connections.</summary>
    internal sealed class PostgresHealthProbe : HealthProbe
    {
        public const double DegradedConnectionShare = 0.80;

        private const string Query =
            "SELECT current_setting('server_version'), " +
            // Other roles' sessions show an empty backend_type to an ordinary user; they still hold a slot.
            "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' OR (coalesce(backend_type, '') = '' AND datname IS NOT NULL)), " +
            "current_setting('max_connections')::int";

        private readonly PostgresConnectionInfo _connection;

        public PostgresHealthProbe(PostgresConnectionInfo connection)
        {
            _connection = connection;
        }

        /// <summary>The connection it probes, for the incident evidence that reads more from the same server.</summary>
        internal PostgresConnectionInfo Connection => _connection;

        public override ServiceKind Kind => ServiceKind.Postgres;

        public override string DisplayTarget => _connection.DisplayTarget;

        public override string DefaultName => _connection.DefaultName;

        public override IEnumerable<string?> Secrets => _connection.Secrets;

        public override async Task<ProbeOutcome> ProbeAsync(ProbeContext context, CancellationToken cancellationToken)
        {
            var builder = _connection.CreateBuilder();
            var seconds = (int)Math.Max(1, Math.Ceiling(context.Timeout.TotalSeconds));
            builder.Pooling = false; // a probe measures a real connect and leaves no idle session behind
            builder.Timeout = seconds;
            builder.CommandTimeout = seconds;
            builder.ApplicationName ??= "OpsRunbook health probe";

            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(Query, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var version = reader.GetString(0);
            var inUse = reader.GetInt64(1);
            var max = reader.GetInt32(2);

            var share = max > 0 ? (double)inUse / max : 0;
            var status = share >= DegradedConnectionShare ? HealthStatus.Degraded : HealthStatus.Healthy;
            return new ProbeOutcome(status, status == HealthStatus.Degraded
                ? $"{inUse} of {max} connections in use ({share:P0}), at or above {DegradedConnectionShare:P0}"
                : null)
            {
                Version = version,
                Details = new[]
                {
                    new KeyValuePair<string, object?>("ConnectionsInUse", inUse),
                    new KeyValuePair<string, object?>("MaxConnections", max),
                    new KeyValuePair<string, object?>("Database", connection.Database),
                },
            };
        }
    }
}
