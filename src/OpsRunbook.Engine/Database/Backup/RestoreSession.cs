using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// The one session a restore (or a restore test) keeps open on the server from its first step to its last. It
    /// holds the advisory lock that keeps a second restore of the same target out; it runs the CREATE, RENAME and
    /// DROP DATABASE statements (which cannot run in the databases they act on); and, while it lives, the scratch
    /// databases that name it are in use. When it opens, it removes what restores that were killed left behind.
    /// </summary>
    internal sealed class RestoreSession : IAsyncDisposable
    {
        private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(60);

        private readonly NpgsqlConnection _connection;
        private readonly DatabaseConnector _connector;

        private RestoreSession(NpgsqlConnection connection, DatabaseConnector connector, int serverMajor, int pid, string start)
        {
            _connection = connection;
            _connector = connector;
            ServerMajor = serverMajor;
            Pid = pid;
            Start = start;
        }

        public int ServerMajor { get; }

        public int Pid { get; }

        /// <summary>The session's backend_start as the server prints it.</summary>
        public string Start { get; }

        /// <summary>The database the session is in: postgres, or template1 when postgres itself is restored.</summary>
        public static string MaintenanceDatabase(string? target) => target == "postgres" ? "template1" : "postgres";

        /// <param name="lockTarget">The database about to be replaced: a second restore of it is refused while this session lives.</param>
        /// <param name="sweep">Remove what killed restores left at once; false leaves it to <see cref="SweepAsync"/> (after a confirmation).</param>
        public static async Task<RestoreSession> OpenAsync(DatabaseConnector connector, string? lockTarget, IOperationReporter reporter, CancellationToken cancellationToken,
            bool sweep = true)
        {
            // Advisory locks belong to the database they are taken in: every restore of one target takes its lock in the same one.
            var connection = await connector.ForDatabase(MaintenanceDatabase(lockTarget)).OpenAsync("restore", cancellationToken, commandTimeout: TimeSpan.Zero).ConfigureAwait(false);
            try
            {
                var major = PostgresTools.ServerMajor(connection.PostgreSqlVersion.ToString());
                await using (var settings = new NpgsqlCommand(major >= 14 ? "SET idle_session_timeout = 0; SET statement_timeout = 0" : "SET statement_timeout = 0", connection))
                {
                    await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                if (lockTarget is not null)
                {
                    await LockAsync(connection, connector, lockTarget, cancellationToken).ConfigureAwait(false);
                }

                await using var identity = new NpgsqlCommand("SELECT pid, backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid()", connection);
                await using var reader = await identity.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var session = new RestoreSession(connection, connector, major, reader.GetInt32(0), reader.GetString(1));
                await reader.DisposeAsync().ConfigureAwait(false);
                if (sweep)
                {
                    await session.SweepAsync(reporter, cancellationToken).ConfigureAwait(false);
                }

                return session;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public NpgsqlConnection Connection => _connection;

        /// <summary>A marker naming this session, for a scratch database made now.</summary>
        public ScratchMarker Marker(string purpose, string target, uint? targetOid) => new()
        {
            Purpose = purpose,
            Target = target,
            TargetOid = targetOid,
            SessionPid = Pid,
            SessionStart = Start,
            Host = Environment.MachineName,
            ProcessId = Environment.ProcessId,
            StartedAt = DateTimeOffset.UtcNow,
        };

        public async Task<uint?> OidOfAsync(string database, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT oid FROM pg_database WHERE datname = @name", _connection);
            command.Parameters.AddWithValue("name", database);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is uint oid ? oid : null;
        }

        public async Task<string?> NameOfAsync(uint oid, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE oid = @oid", _connection);
            command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, oid);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }

        public async Task ExecuteAsync(string sql, string target, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(sql, _connection);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (DatabaseFailure.IsDriverFailure(ex) && !cancellationToken.IsCancellationRequested)
            {
                throw DatabaseFailure.Running(ex, _connector.Connection, _connector.Timeout, Describe(sql), target,
                    "Restoring needs a role that may create, rename and drop databases and set their owner (a superuser, or CREATEDB and a member of the owner's role).");
            }
        }

        /// <summary>
        /// Creates a scratch database under a fresh name no database has, marked as this session's. A name taken in
        /// the meantime (42P04) is never this command's to drop: another name is tried.
        /// </summary>
        /// <param name="create">The CREATE DATABASE statement for a name.</param>
        public async Task<ScratchDatabase> CreateScratchAsync(string target, uint? targetOid, string purpose, Func<string, string> create, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                var name = ScratchNames.For(target, purpose);
                if (name == target || await OidOfAsync(name, cancellationToken).ConfigureAwait(false) is not null)
                {
                    continue;
                }

                try
                {
                    await using var command = new NpgsqlCommand(create(name), _connection);
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase && attempt < 5)
                {
                    continue;
                }
                catch (Exception ex) when (DatabaseFailure.IsDriverFailure(ex) && !cancellationToken.IsCancellationRequested)
                {
                    throw DatabaseFailure.Running(ex, _connector.Connection, _connector.Timeout, $"create the scratch database {name}", target,
                        "Restoring needs a role that may create databases owned by the target's owner (a superuser, or CREATEDB and a member of that role); " +
                        "a locale the dump names must exist on this server.");
                }

                var oid = await OidOfAsync(name, CancellationToken.None).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"The database {name} was created but is not in pg_database.");
                var scratch = new ScratchDatabase(name, oid);
                await MarkAsync(scratch, Marker(purpose, target, targetOid), CancellationToken.None).ConfigureAwait(false);
                return scratch;
            }
        }

        public Task MarkAsync(ScratchDatabase database, ScratchMarker marker, CancellationToken cancellationToken) =>
            ExecuteAsync($"COMMENT ON DATABASE {Quote(database.Name)} IS {SqlTokens.Quote(marker.ToComment())}", database.Name, cancellationToken);

        /// <summary>Drops the database with this OID, whatever it is named now; a database that is gone already is fine.</summary>
        public async Task DropAsync(uint oid, CancellationToken cancellationToken)
        {
            if (await NameOfAsync(oid, cancellationToken).ConfigureAwait(false) is string name)
            {
                await ExecuteAsync($"DROP DATABASE IF EXISTS {Quote(name)}" + (ServerMajor >= 13 ? " WITH (FORCE)" : string.Empty), name, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>For clean-up after a failure: the first failure is the one to report, so this one is swallowed.</summary>
        public async Task DropQuietlyAsync(uint oid)
        {
            try
            {
                using var timeout = new CancellationTokenSource(CleanupTimeout);
                await DropAsync(oid, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OpsRunbookException or OperationCanceledException or NpgsqlException or InvalidOperationException)
            {
                // Marked as ours: the next restore on this server removes it.
            }
        }

        public async Task<int> EndSessionsAsync(string database, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()", _connection);
            command.Parameters.AddWithValue("name", database);
            return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();

        internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

        /// <summary>
        /// Removes the scratch databases of restores whose session has ended (killed, or the connection lost) and
        /// opens again a target one of them had closed for its swap; says what it did.
        /// </summary>
        public async Task SweepAsync(IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var left = new List<(uint Oid, string Name, ScratchMarker Marker)>();
            await using (var command = new NpgsqlCommand(
                "SELECT oid, datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE shobj_description(oid, 'pg_database') LIKE @prefix", _connection))
            {
                command.Parameters.AddWithValue("prefix", ScratchMarker.Prefix + "%");
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (ScratchMarker.FromComment(reader.GetString(2)) is { } marker)
                    {
                        left.Add((reader.GetFieldValue<uint>(0), reader.GetString(1), marker));
                    }
                }
            }

            foreach (var (oid, name, marker) in left)
            {
                if (await IsRunningAsync(marker, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                try
                {
                    var reopened = marker.TargetClosed && marker.TargetOid is uint target && await ReopenAsync(target, cancellationToken).ConfigureAwait(false);
                    await DropAsync(oid, cancellationToken).ConfigureAwait(false);
                    reporter.Warning($"Removed the scratch database {name}, left by a {marker} that was stopped before it finished" +
                        (reopened ? $"; {marker.Target}, which it had closed to connections for its swap, accepts connections again." : "."));
                }
                catch (OpsRunbookException ex)
                {
                    reporter.Warning($"The scratch database {name}, left by a {marker} that was stopped, could not be removed: {ex.Message} Drop it as a superuser.");
                }
            }
        }

        private async Task<bool> IsRunningAsync(ScratchMarker marker, CancellationToken cancellationToken)
        {
            if (marker.SessionPid == Pid && marker.SessionStart == Start)
            {
                return true;
            }

            // A session of another role shows no backend_start to a role without pg_read_all_stats: counted as running.
            await using var command = new NpgsqlCommand("SELECT backend_start::text FROM pg_stat_activity WHERE pid = @pid", _connection);
            command.Parameters.AddWithValue("pid", marker.SessionPid);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && (reader.IsDBNull(0) || reader.GetString(0) == marker.SessionStart);
        }

        private async Task<bool> ReopenAsync(uint target, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE oid = @oid AND NOT datallowconn", _connection);
            command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, target);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string name)
            {
                return false;
            }

            await ExecuteAsync($"ALTER DATABASE {Quote(name)} WITH ALLOW_CONNECTIONS true", name, cancellationToken).ConfigureAwait(false);
            return true;
        }

        private static async Task LockAsync(NpgsqlConnection connection, DatabaseConnector connector, string target, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand(
                "SELECT pg_try_advisory_lock(hashtext('OpsRunbook restore'), hashtext(@target)), " +
                "(SELECT min(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = hashtext('OpsRunbook restore')::oid " +
                "AND objid = hashtext(@target)::oid AND objsubid = 2)", connection);
            command.Parameters.AddWithValue("target", target);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!reader.GetBoolean(0))
            {
                var holder = reader.IsDBNull(1) ? "another session" : $"the session with process id {reader.GetInt32(1)}";
                throw new OpsRunbookException(DatabaseErrors.RestoreInProgress, FailureCategory.ResourceUnavailable,
                    $"Another restore of {target} on {connector.Server} is running ({holder} holds its lock). Nothing was changed.", target,
                    "Wait for it to finish (Get-DatabaseActivity shows its sessions), then run this one again if it is still wanted.");
            }
        }

        private static string Describe(string sql)
        {
            var words = sql.Split(' ', 4);
            return words.Length >= 3 ? $"run {words[0]} {words[1]} on {words[2]}" : "run " + sql;
        }
    }
}
