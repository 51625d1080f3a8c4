using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Database;
using OpsRunbook.Engine.Incidents;

namespace OpsRunbook.Engine.Incidents.Stores
{
    /// <summary>
    /// The team store: incidents in PostgreSQL, so an on-call team on several machines shares them. The schema
    /// (opsrunbook.incidents, opsrunbook.incident_entries) is made on first use. Each append is one transaction
    /// holding the incident's row lock while it numbers and times its entries by the server's clock, so the order
    /// of the log is the order of time whichever machine wrote. A trigger refuses updates and deletes of entries.
    /// </summary>
    public sealed class PostgresIncidentStore : IIncidentStore
    {
        private const string SchemaDdl = """
            CREATE SCHEMA IF NOT EXISTS opsrunbook;
            CREATE TABLE IF NOT EXISTS opsrunbook.incidents (
                id text PRIMARY KEY,
                day date NOT NULL,
                number integer NOT NULL,
                opened_at timestamptz NOT NULL,
                UNIQUE (day, number)
            );
            CREATE TABLE IF NOT EXISTS opsrunbook.incident_entries (
                incident_id text NOT NULL REFERENCES opsrunbook.incidents (id),
                sequence bigint NOT NULL,
                recorded_at timestamptz NOT NULL,
                kind text NOT NULL,
                entry jsonb NOT NULL,
                PRIMARY KEY (incident_id, sequence)
            );
            CREATE OR REPLACE FUNCTION opsrunbook.refuse_incident_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'incident entries are appended, never rewritten' USING ERRCODE = 'insufficient_privilege';
            END $$;
            DROP TRIGGER IF EXISTS incident_entries_append_only ON opsrunbook.incident_entries;
            CREATE TRIGGER incident_entries_append_only BEFORE UPDATE OR DELETE ON opsrunbook.incident_entries
                FOR EACH ROW EXECUTE FUNCTION opsrunbook.refuse_incident_rewrite();
            """;

        // Servers (and databases) whose schema this process has already seen in place.
        private static readonly ConcurrentDictionary<string, bool> SchemaReady = new(StringComparer.Ordinal);

        private readonly DatabaseConnector _connector;

        public PostgresIncidentStore(PostgresConnectionInfo connection, TimeSpan timeout)
        {
            _connector = new DatabaseConnector(connection, timeout);
        }

        public string Location => _connector.Server;

        /// <summary>The store's password, which evidence must never show either.</summary>
        internal IEnumerable<string?> Secrets => _connector.Connection.Secrets;

        public async Task<string> OpenAsync(IReadOnlyList<IncidentEntry> entries, CancellationToken cancellationToken)
        {
            await using var connection = await ConnectAsync(cancellationToken, write: true).ConfigureAwait(false);
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                var now = await ServerTimeAsync(connection, cancellationToken).ConfigureAwait(false);
                var day = now.UtcDateTime.Date;
                // One opener per day at a time takes the next number: unique Ids across every machine of the team.
                await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtext('opsrunbook.incident-number'), $1)", cancellationToken,
                    day.Year * 10000 + day.Month * 100 + day.Day).ConfigureAwait(false);
                var number = Convert.ToInt32(await ScalarAsync(connection,
                    "SELECT coalesce(max(number), 0) + 1 FROM opsrunbook.incidents WHERE day = $1", cancellationToken, DateOnly.FromDateTime(day)).ConfigureAwait(false),
                    System.Globalization.CultureInfo.InvariantCulture);
                var id = IncidentId.Format(now, number);
                await ExecuteAsync(connection, "INSERT INTO opsrunbook.incidents (id, day, number, opened_at) VALUES ($1, $2, $3, $4)", cancellationToken,
                    id, DateOnly.FromDateTime(day), number, now).ConfigureAwait(false);
                await InsertAsync(connection, id, Stamp(entries, null, now), cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return id;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw Failed(ex, "open an incident", write: true);
            }
        }

        public async Task<IReadOnlyList<IncidentEntry>> AppendAsync(string id, IReadOnlyList<IncidentEntry> entries,
            Action<IReadOnlyList<IncidentEntry>>? check, CancellationToken cancellationToken)
        {
            IncidentId.Check(id);
            await using var connection = await ConnectAsync(cancellationToken, write: true).ConfigureAwait(false);
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                // The incident's row lock: appends to one incident wait for each other, appends to others do not.
                if (await ScalarAsync(connection, "SELECT 1 FROM opsrunbook.incidents WHERE id = $1 FOR UPDATE", cancellationToken, id).ConfigureAwait(false) is null)
                {
                    throw StoreFailures.NotFound(id, Location);
                }

                IncidentEntry? last;
                if (check is not null)
                {
                    var all = await EntriesAsync(connection, id, cancellationToken).ConfigureAwait(false);
                    check(all);
                    last = all.LastOrDefault();
                }
                else
                {
                    last = (await EntriesAsync(connection, id, cancellationToken, lastOnly: true).ConfigureAwait(false)).LastOrDefault();
                }

                var stamped = Stamp(entries, last, await ServerTimeAsync(connection, cancellationToken).ConfigureAwait(false));
                await InsertAsync(connection, id, stamped, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return stamped;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw Failed(ex, $"append to incident {id}", write: true);
            }
        }

        public async Task<IReadOnlyList<IncidentEntry>> ReadAsync(string id, CancellationToken cancellationToken)
        {
            IncidentId.Check(id);
            await using var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var entries = await EntriesAsync(connection, id, cancellationToken).ConfigureAwait(false);
                return entries.Count > 0 ? entries : throw StoreFailures.NotFound(id, Location);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw Failed(ex, $"read incident {id}", write: false);
            }
        }

        public async Task<IReadOnlyList<string>> ListAsync(DateTimeOffset? openedSince, CancellationToken cancellationToken)
        {
            await using var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await using var command = new NpgsqlCommand(
                    "SELECT id FROM opsrunbook.incidents WHERE $1::timestamptz IS NULL OR opened_at >= $1 ORDER BY day, number", connection);
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)openedSince?.ToUniversalTime() ?? DBNull.Value });
                var ids = new List<string>();
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ids.Add(reader.GetString(0));
                }

                return ids;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw Failed(ex, "list incidents", write: false);
            }
        }

        private async Task<NpgsqlConnection> ConnectAsync(CancellationToken cancellationToken, bool write = false)
        {
            NpgsqlConnection connection;
            try
            {
                connection = await _connector.OpenAsync("incident store", cancellationToken).ConfigureAwait(false);
            }
            catch (OpsRunbookException ex) when (write)
            {
                // The connection's own ErrorId (AuthenticationFailed, ConnectionFailed...) says why; the message says what it cost.
                throw new OpsRunbookException(ex.ErrorId, ex.Category, ex.Message + " Nothing was recorded.", ex.TargetObject, ex.RecommendedAction, ex);
            }

            try
            {
                if (!SchemaReady.ContainsKey(Location))
                {
                    await EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
                    SchemaReady[Location] = true;
                }

                return connection;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>
        /// Makes the schema when it is missing, one process at a time (concurrent CREATE ... IF NOT EXISTS can still
        /// collide). A schema an administrator made beforehand is used as it is: the store's role needs no CREATE then.
        /// </summary>
        private async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            const string exists = "SELECT to_regclass('opsrunbook.incident_entries') IS NOT NULL";
            try
            {
                if (await ScalarAsync(connection, exists, cancellationToken).ConfigureAwait(false) is true)
                {
                    return;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtext('opsrunbook.incident-schema'))", cancellationToken).ConfigureAwait(false);
                if (await ScalarAsync(connection, exists, cancellationToken).ConfigureAwait(false) is not true)
                {
                    await ExecuteAsync(connection, SchemaDdl, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw Failed(ex, "create the incident tables (schema opsrunbook)", write: true);
            }
        }

        private static async Task<IReadOnlyList<IncidentEntry>> EntriesAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken,
            bool lastOnly = false)
        {
            var sql = lastOnly
                ? "SELECT entry::text FROM opsrunbook.incident_entries WHERE incident_id = $1 ORDER BY sequence DESC LIMIT 1"
                : "SELECT entry::text FROM opsrunbook.incident_entries WHERE incident_id = $1 ORDER BY sequence";
            await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = id } } };
            var entries = new List<IncidentEntry>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(IncidentEntry.FromJson(reader.GetString(0)));
            }

            return entries;
        }

        private static async Task InsertAsync(NpgsqlConnection connection, string id, IReadOnlyList<IncidentEntry> entries, CancellationToken cancellationToken)
        {
            await using var batch = new NpgsqlBatch(connection);
            foreach (var entry in entries)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(
                    "INSERT INTO opsrunbook.incident_entries (incident_id, sequence, recorded_at, kind, entry) VALUES ($1, $2, $3, $4, $5)")
                {
                    Parameters =
                    {
                        new() { Value = id },
                        new() { Value = entry.Sequence },
                        new() { Value = entry.Time },
                        new() { Value = entry.Kind.ToString() },
                        new() { Value = entry.ToJson(), NpgsqlDbType = NpgsqlDbType.Jsonb },
                    },
                });
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Sequence numbers after the last entry's; times by the server's clock, never earlier than the last, nor equal (to the microsecond).</summary>
        private static IReadOnlyList<IncidentEntry> Stamp(IReadOnlyList<IncidentEntry> entries, IncidentEntry? last, DateTimeOffset serverNow)
        {
            var microsecond = TimeSpan.FromTicks(10);
            var sequence = last?.Sequence ?? 0;
            var time = last is null || serverNow > last.Time ? serverNow : last.Time + microsecond;
            var stamped = new List<IncidentEntry>(entries.Count);
            foreach (var entry in entries)
            {
                stamped.Add(entry with { Sequence = ++sequence, Time = time });
                time += microsecond;
            }

            return stamped;
        }

        private static async Task<DateTimeOffset> ServerTimeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT clock_timestamp()", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return reader.GetFieldValue<DateTimeOffset>(0);
        }

        private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
        {
            await using var command = Command(connection, sql, parameters);
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is DBNull ? null : value;
        }

        private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] parameters)
        {
            await using var command = Command(connection, sql, parameters);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] parameters)
        {
            var command = new NpgsqlCommand(sql, connection);
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = parameter });
            }

            return command;
        }

        private OpsRunbookException Failed(Exception exception, string action, bool write)
        {
            if (exception is PostgresException { SqlState: "42501" })
            {
                var message = $"The incident store {Location} refused to {action}: {DatabaseFailure.Describe(exception, _connector.Timeout)}.";
                return new OpsRunbookException(write ? IncidentErrors.IncidentStoreUnwritable : IncidentErrors.IncidentStoreUnreadable, FailureCategory.PermissionDenied,
                    message + (write ? " Nothing was recorded." : string.Empty), Location,
                    "Grant the store's role USAGE on schema opsrunbook and SELECT, INSERT on its tables (and CREATE on the database for the first use), or use another -Store.",
                    exception);
            }

            var failure = DatabaseFailure.Running(exception, _connector.Connection, _connector.Timeout, action, Location);
            return write
                ? new OpsRunbookException(failure.ErrorId == DatabaseErrors.ConnectionFailed ? IncidentErrors.IncidentStoreUnwritable : failure.ErrorId, failure.Category,
                    failure.Message + " Nothing was recorded.", failure.TargetObject, failure.RecommendedAction, exception)
                : failure;
        }
    }
}
