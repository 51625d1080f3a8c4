using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// Runs VACUUM, VACUUM FULL, ANALYZE and REINDEX table by table, so each table is confirmed on its own and
    /// reports its size before and after and its duration; replaces the runbooks' monthly
    /// psql -c "VACUUM ANALYZE;" and "REINDEX DATABASE". Statements run outside any transaction, as PostgreSQL
    /// requires of VACUUM and REINDEX CONCURRENTLY, one per command (a multi-statement command is one implicit
    /// transaction), and without a command timeout: a VACUUM FULL takes as long as the table needs; Ctrl+C cancels it.
    /// </summary>
    public sealed class DatabaseMaintainer
    {
        // The tables of the current database, with whether this user may maintain them: VACUUM and ANALYZE need the
        // table's owner or the database's owner, REINDEX the table's owner (superusers count as both); from
        // PostgreSQL 17 the MAINTAIN privilege grants both.
        private const string TablesQuery = """
            SELECT c.oid, n.nspname, c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname),
                   pg_has_role(c.relowner, 'USAGE') OR pg_has_role(d.datdba, 'USAGE') OR m.maintain,
                   pg_has_role(c.relowner, 'USAGE') OR m.maintain,
                   pg_get_userbyid(c.relowner)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_database d ON d.datname = current_database()
            CROSS JOIN LATERAL (SELECT CASE WHEN current_setting('server_version_num')::int >= 170000
                                            THEN has_table_privilege(c.oid, 'MAINTAIN') ELSE false END AS maintain) m
            WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't'
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
            ORDER BY n.nspname, c.relname
            """;

        private readonly DatabaseConnector _connector;

        public DatabaseMaintainer(DatabaseConnector connector)
        {
            _connector = connector;
        }

        /// <summary>
        /// Maintains each chosen table of each chosen database in turn. <paramref name="confirm"/> is asked about each
        /// table right before its first statement; a table it declines is left alone and yields nothing. A table or
        /// database that fails yields a failure and the rest go on.
        /// </summary>
        public async IAsyncEnumerable<Outcome<DatabaseMaintenanceResult>> RunAsync(MaintenanceRequest request,
            Func<MaintenanceTarget, CancellationToken, Task<bool>> confirm, IOperationReporter reporter,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var (databases, failure) = await Attempt(() => ChooseDatabasesAsync(request.Databases, cancellationToken)).ConfigureAwait(false);
            if (failure is not null)
            {
                yield return Outcome<DatabaseMaintenanceResult>.Failed(failure);
                yield break;
            }

            foreach (var database in databases!)
            {
                var connector = _connector.ForDatabase(database);
                var (session, opened) = await Attempt(() => OpenAsync(connector, request, cancellationToken)).ConfigureAwait(false);
                if (opened is not null)
                {
                    yield return Outcome<DatabaseMaintenanceResult>.Failed(opened);
                    continue;
                }

                await using (session!.ConfigureAwait(false))
                {
                    var (tables, listed) = await Attempt(() => ListTablesAsync(session!, request.Tables, cancellationToken)).ConfigureAwait(false);
                    if (listed is not null)
                    {
                        yield return Outcome<DatabaseMaintenanceResult>.Failed(listed);
                        continue;
                    }

                    var activity = $"{request.Plan.Description} in {session!.Database}";
                    reporter.Verbose($"{tables!.Count} tables to maintain in '{session.Database}' on {connector.Server}.");
                    for (var i = 0; i < tables!.Count; i++)
                    {
                        var table = tables[i];
                        var place = new TablePlace(activity, table, i, tables.Count);
                        reporter.Progress(place.Progress(null));
                        var denied = Denied(session, table, request.Plan);
                        if (denied is not null)
                        {
                            yield return Outcome<DatabaseMaintenanceResult>.Failed(denied);
                            continue;
                        }

                        if (!await confirm(new MaintenanceTarget(connector.Server, session.Database, table.Qualified, request.Plan), cancellationToken).ConfigureAwait(false))
                        {
                            continue;
                        }

                        foreach (var step in request.Plan.Steps)
                        {
                            var (result, stepFailure) = await Attempt(() => RunStepAsync(session, table, step, place, reporter, cancellationToken)).ConfigureAwait(false);
                            yield return stepFailure is null ? Outcome<DatabaseMaintenanceResult>.Success(result!) : Outcome<DatabaseMaintenanceResult>.Failed(stepFailure);
                            if (stepFailure is not null)
                            {
                                break;
                            }
                        }
                    }

                    reporter.Progress(new OperationProgress(activity, "Done", 100, Completed: true));
                }
            }
        }

        private async Task<IReadOnlyList<string>> ChooseDatabasesAsync(IReadOnlyCollection<string> databases, CancellationToken cancellationToken)
        {
            try
            {
                if (databases.Count == 0)
                {
                    return new[] { await _connector.DatabaseNameAsync(cancellationToken).ConfigureAwait(false) };
                }

                await using var connection = await _connector.OpenAsync("database maintenance", cancellationToken).ConfigureAwait(false);
                return await DatabaseCatalog.SelectAsync(connection, databases, _connector.Server, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw DatabaseFailure.Running(ex, _connector.Connection, _connector.Timeout, "list the databases", _connector.Server);
            }
        }

        private static async Task<MaintenanceSession> OpenAsync(DatabaseConnector connector, MaintenanceRequest request, CancellationToken cancellationToken)
        {
            var connection = await connector.OpenAsync("database maintenance", cancellationToken, commandTimeout: TimeSpan.Zero).ConfigureAwait(false);
            try
            {
                if (request.LockTimeout is TimeSpan lockTimeout)
                {
                    await using var command = new NpgsqlCommand("SELECT set_config('lock_timeout', @value, false)", connection)
                    {
                        CommandTimeout = (int)Math.Ceiling(connector.Timeout.TotalSeconds),
                    };
                    command.Parameters.AddWithValue("value", ((long)lockTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return new MaintenanceSession(connector, connection);
            }
            catch (Exception ex)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                if (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
                {
                    throw DatabaseFailure.Running(ex, connector.Connection, connector.Timeout, "set lock_timeout", connector.Server);
                }

                throw;
            }
        }

        private static async Task<IReadOnlyList<MaintainedTable>> ListTablesAsync(MaintenanceSession session, IReadOnlyCollection<string> patterns,
            CancellationToken cancellationToken)
        {
            var tables = new List<MaintainedTable>();
            try
            {
                await using var command = session.Command(TablesQuery);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    tables.Add(new MaintainedTable(reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                        reader.GetBoolean(4), reader.GetBoolean(5), reader.GetString(6)));
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw session.Failure(ex, $"list the tables of '{session.Database}'", session.Database);
            }

            return CatalogNames.Select(tables, t => t.Name, t => t.Qualified, patterns,
                name => DatabaseSizeReader.TableNotFound(name, session.Database, session.Connector.Server));
        }

        private static OpsRunbookException? Denied(MaintenanceSession session, MaintainedTable table, MaintenancePlan plan)
        {
            var step = plan.Steps.FirstOrDefault(s => s.OwnerOnly ? !table.MayReindex : !table.MayVacuum);
            if (step is null)
            {
                return null;
            }

            // Asked before running: the server would skip a VACUUM it may not do with a mere WARNING and report success.
            var who = step.OwnerOnly ? "its owner" : "its owner or the owner of the database";
            return new OpsRunbookException(DatabaseErrors.PermissionDenied, FailureCategory.PermissionDenied,
                $"The user '{session.UserName}' may not run {step.Verb} on {table.Qualified} in '{session.Database}': only {who} ('{table.Owner}'), a superuser" +
                " or (from PostgreSQL 17) a role with the MAINTAIN privilege may.",
                table.Qualified, $"Connect as {table.Owner} or a superuser, or grant MAINTAIN on the table (PostgreSQL 17 and later).");
        }

        private static async Task<DatabaseMaintenanceResult> RunStepAsync(MaintenanceSession session, MaintainedTable table, MaintenanceStep step,
            TablePlace place, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var sql = step.CommandFor(table.QuotedName);
            try
            {
                var before = await session.SizeAsync(table, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"{sql} in '{session.Database}' ({ByteSize.Format(before)}).");
                var startedAt = DateTimeOffset.Now;
                var clock = Stopwatch.StartNew();
                await session.RunAsync(sql, table, place, reporter, cancellationToken).ConfigureAwait(false);
                clock.Stop();
                var after = await session.SizeAsync(table, cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"{sql}: {ByteSize.Format(before)} -> {ByteSize.Format(after)} in {DurationText.Format(clock.Elapsed)}.");
                return new DatabaseMaintenanceResult(session.Connector.Server, session.Database, table.Qualified, step.Operation, sql)
                {
                    SizeBeforeBytes = before,
                    SizeAfterBytes = after,
                    StartedAt = startedAt,
                    Duration = clock.Elapsed,
                };
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw session.Failure(ex, $"run {sql}", table.Qualified);
            }
        }

        // Yield cannot sit in a try with a catch: the failure comes back beside the result instead.
        private static async Task<(T? Result, OpsRunbookException? Failure)> Attempt<T>(Func<Task<T>> work)
            where T : class
        {
            try
            {
                return (await work().ConfigureAwait(false), null);
            }
            catch (OpsRunbookException ex)
            {
                return (null, ex);
            }
        }

        /// <param name="QuotedName">Quoted and schema-qualified, ready for a statement.</param>
        private sealed record MaintainedTable(uint Oid, string Schema, string Name, string QuotedName, bool MayVacuum, bool MayReindex, string Owner)
        {
            /// <summary>schema.name, as results show it and patterns match it.</summary>
            public string Qualified => Schema + "." + Name;
        }

        private sealed record TablePlace(string Activity, MaintainedTable Table, int Index, int Count)
        {
            public OperationProgress Progress(ProgressSample? sample)
            {
                var fraction = sample?.Fraction ?? 0;
                var status = $"{Table.Qualified} ({Index + 1} of {Count})" + (sample is null ? string.Empty : ": " + sample);
                return new OperationProgress(Activity, status, (int)((Index + fraction) * 100 / Count));
            }
        }

        /// <summary>The connection one database is maintained through, and the second one that watches it.</summary>
        private sealed class MaintenanceSession : IAsyncDisposable
        {
            private readonly NpgsqlConnection _connection;
            private readonly MaintenanceProgressMonitor _monitor;

            public MaintenanceSession(DatabaseConnector connector, NpgsqlConnection connection)
            {
                Connector = connector;
                _connection = connection;
                _monitor = new MaintenanceProgressMonitor(connector, connection.ProcessID);
            }

            public DatabaseConnector Connector { get; }

            public string Database => Connector.Connection.Database!;

            public string UserName => Connector.Connection.UserName ?? _connection.UserName ?? "?";

            /// <summary>A catalog query, bounded by the timeout unlike the maintenance statements.</summary>
            public NpgsqlCommand Command(string sql) =>
                new(sql, _connection) { CommandTimeout = (int)Math.Ceiling(Connector.Timeout.TotalSeconds) };

            public async Task<long> SizeAsync(MaintainedTable table, CancellationToken cancellationToken)
            {
                await using var command = Command("SELECT pg_total_relation_size(@oid)");
                command.Parameters.Add(new NpgsqlParameter<uint>("oid", NpgsqlDbType.Oid) { TypedValue = table.Oid });
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long size
                    ? size
                    : throw DatabaseSizeReader.TableNotFound(table.Qualified, Database, Connector.Server);
            }

            public async Task RunAsync(string sql, MaintainedTable table, TablePlace place, IOperationReporter reporter, CancellationToken cancellationToken)
            {
                void OnNotice(object sender, NpgsqlNoticeEventArgs e)
                {
                    if (e.Notice.InvariantSeverity == "WARNING")
                    {
                        reporter.Warning($"{table.Qualified}: {e.Notice.MessageText}");
                    }
                }

                _connection.Notice += OnNotice;
                try
                {
                    await using var command = new NpgsqlCommand(sql, _connection) { CommandTimeout = 0 };
                    var statement = command.ExecuteNonQueryAsync(cancellationToken);
                    await _monitor.WatchAsync(statement, sample => place.Progress(sample), reporter, cancellationToken).ConfigureAwait(false);
                    await statement.ConfigureAwait(false);
                }
                finally
                {
                    _connection.Notice -= OnNotice;
                }
            }

            public OpsRunbookException Failure(Exception exception, string action, object target) =>
                DatabaseFailure.Running(exception, Connector.Connection, Connector.Timeout, action, target);

            public async ValueTask DisposeAsync()
            {
                await _monitor.DisposeAsync().ConfigureAwait(false);
                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
