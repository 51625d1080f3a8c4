using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// What a server is doing: its backends from pg_stat_activity, longest-running first, with their blocking
    /// chains; or a count per state against max_connections. Replaces the runbooks' SELECT ... FROM pg_stat_activity.
    /// </summary>
    public sealed class DatabaseActivityReader
    {
        private const string HiddenQuery = "<insufficient privilege>";

        private readonly DatabaseConnector _connector;

        public DatabaseActivityReader(DatabaseConnector connector)
        {
            _connector = connector;
        }

        /// <summary>The sessions the filter selects, longest in their state first. This reader's own session is left out.</summary>
        public async Task<IReadOnlyList<DatabaseSession>> ReadAsync(ActivityFilter filter, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            await using var connection = await _connector.OpenAsync("database activity", cancellationToken).ConfigureAwait(false);
            return await ReadAsync(connection, filter, reporter, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Sessions per state among those the filter selects, and all client connections against max_connections.</summary>
        public async Task<DatabaseActivitySummary> SummarizeAsync(ActivityFilter filter, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            await using var connection = await _connector.OpenAsync("database activity", cancellationToken).ConfigureAwait(false);
            var sessions = await ReadAsync(connection, filter, reporter, cancellationToken).ConfigureAwait(false);
            const string settings =
                "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int, " +
                $"(SELECT count(*) FROM pg_stat_activity a WHERE {SessionRows.IsClientSession})::int";
            int max, reserved, connections;
            try
            {
                await using var command = new NpgsqlCommand(settings, connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                (max, reserved, connections) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw DatabaseFailure.Running(ex, _connector.Connection, _connector.Timeout, "read max_connections", _connector.Server);
            }

            int Count(DatabaseSessionState state) => sessions.Count(s => s.State == state);
            return new DatabaseActivitySummary(_connector.Server)
            {
                Connections = connections,
                MaxConnections = max,
                ReservedConnections = reserved,
                UsedPercent = max > 0 ? Math.Round(100.0 * connections / max, 1) : 0,
                Sessions = sessions.Count,
                Active = Count(DatabaseSessionState.Active),
                Idle = Count(DatabaseSessionState.Idle),
                IdleInTransaction = Count(DatabaseSessionState.IdleInTransaction),
                IdleInTransactionAborted = Count(DatabaseSessionState.IdleInTransactionAborted),
                Other = sessions.Count(s => s.State is not (DatabaseSessionState.Active or DatabaseSessionState.Idle or
                    DatabaseSessionState.IdleInTransaction or DatabaseSessionState.IdleInTransactionAborted)),
                Blocked = sessions.Count(s => s.BlockedBy.Length > 0),
                LongestQuery = sessions.Where(s => s.State == DatabaseSessionState.Active).Max(s => s.Duration),
                LongestTransaction = sessions.Max(s => s.TransactionDuration),
            };
        }

        private async Task<IReadOnlyList<DatabaseSession>> ReadAsync(NpgsqlConnection connection, ActivityFilter filter,
            IOperationReporter reporter, CancellationToken cancellationToken)
        {
            try
            {
                await CheckNamesExistAsync(connection, filter, cancellationToken).ConfigureAwait(false);
                var rows = new List<SessionRow>();
                var where = "a.pid <> pg_backend_pid()" + (filter.IncludeBackground ? string.Empty : " AND " + SessionRows.IsClientSession);
                await using (var command = SessionRows.Command(connection, where, filter.QueryLength))
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        rows.Add(SessionRows.Read(reader, filter.QueryLength));
                    }
                }

                var selected = SessionRows.ToSessions(rows, _connector.Server, _connector.Connection)
                    .Where(filter.Matches)
                    .OrderByDescending(s => s.Duration ?? TimeSpan.MinValue)
                    .ThenBy(s => s.Pid)
                    .ToList();
                if (reporter.IsVerbose)
                {
                    reporter.Verbose($"{_connector.Server}: {rows.Count} backends, {selected.Count} selected.");
                }

                var hidden = selected.Count(s => s.Query == HiddenQuery);
                if (hidden > 0)
                {
                    reporter.Warning($"{hidden} of the sessions hide their query and state from this user: they belong to other roles, or are server processes. " +
                        "Connect as a superuser or a member of pg_read_all_stats to see them.");
                }

                return selected;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw DatabaseFailure.Running(ex, _connector.Connection, _connector.Timeout, "read pg_stat_activity", _connector.Server);
            }
        }

        // A database or user named without wildcards that does not exist is a typo to report, not an empty result.
        private async Task CheckNamesExistAsync(NpgsqlConnection connection, ActivityFilter filter, CancellationToken cancellationToken)
        {
            if (filter.Databases.Any(p => !NamePattern.HasWildcards(p)))
            {
                var databases = await NamesAsync(connection, "SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY 1", cancellationToken).ConfigureAwait(false);
                CatalogNames.Select(databases, n => n, n => n, filter.Databases.Where(p => !NamePattern.HasWildcards(p)).ToList(),
                    name => DatabaseCatalog.NotFound(name, _connector.Server, databases));
            }

            if (filter.Users.Any(p => !NamePattern.HasWildcards(p)))
            {
                var roles = await NamesAsync(connection, "SELECT rolname FROM pg_roles WHERE rolcanlogin ORDER BY 1", cancellationToken).ConfigureAwait(false);
                CatalogNames.Select(roles, n => n, n => n, filter.Users.Where(p => !NamePattern.HasWildcards(p)).ToList(),
                    name => new OpsRunbookException(DatabaseErrors.UserNotFound, FailureCategory.ObjectNotFound,
                        $"The server {_connector.Server} has no login role named '{name}'.", name,
                        $"Give the name of a role that can log in: {string.Join(", ", roles)}."));
            }
        }

        private static async Task<IReadOnlyList<string>> NamesAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
        {
            var names = new List<string>();
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                names.Add(reader.GetString(0));
            }

            return names;
        }
    }
}
