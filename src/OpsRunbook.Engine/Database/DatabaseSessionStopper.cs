using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// Cancels the query of backends (pg_cancel_backend) or ends them (pg_terminate_backend), and waits, within
    /// the timeout, until the server shows it done. Never its own session; each pid is confirmed just before its signal.
    /// </summary>
    public sealed class DatabaseSessionStopper
    {
        private const int QueryLength = 1024;
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

        public DatabaseSessionStopper(DatabaseSessionStopAction action)
        {
            Action = action;
        }

        public DatabaseSessionStopAction Action { get; }

        /// <summary>
        /// Stops each requested session in turn, one connection per server. <paramref name="confirm"/> is asked
        /// about each session, as it is now, right before its signal; a session it declines is left alone and
        /// yields nothing. A pid that cannot be stopped yields a failure and the others go on.
        /// </summary>
        public async IAsyncEnumerable<Outcome<DatabaseSessionStopResult>> StopAsync(
            IReadOnlyList<SessionStopRequest> requests,
            Func<DatabaseSession, CancellationToken, Task<bool>> confirm,
            IOperationReporter reporter,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var server in requests.GroupBy(r => r.Connector.Connection))
            {
                var connector = server.First().Connector;
                NpgsqlConnection? connection = null;
                OpsRunbookException? unreachable = null;
                try
                {
                    connection = await connector.OpenAsync("session control", cancellationToken).ConfigureAwait(false);
                }
                catch (OpsRunbookException ex)
                {
                    unreachable = ex;
                }

                if (connection is null)
                {
                    foreach (var _ in server)
                    {
                        yield return Outcome<DatabaseSessionStopResult>.Failed(unreachable!);
                    }

                    continue;
                }

                await using (connection.ConfigureAwait(false))
                {
                    foreach (var request in server)
                    {
                        if (await StopOneAsync(connection, connector, request, confirm, reporter, cancellationToken).ConfigureAwait(false) is { } outcome)
                        {
                            yield return outcome;
                        }
                    }
                }
            }
        }

        // Null when the confirmation declined. Internal: tests hand it the connection, to ask it to stop its own session.
        internal async Task<Outcome<DatabaseSessionStopResult>?> StopOneAsync(NpgsqlConnection connection, DatabaseConnector connector,
            SessionStopRequest request, Func<DatabaseSession, CancellationToken, Task<bool>> confirm, IOperationReporter reporter,
            CancellationToken cancellationToken)
        {
            var pid = request.Pid;
            try
            {
                if (pid == connection.ProcessID)
                {
                    return Outcome<DatabaseSessionStopResult>.Failed(new OpsRunbookException(DatabaseErrors.OwnSession, FailureCategory.InvalidOperation,
                        $"Pid {pid} is the session Stop-DatabaseSession itself uses on {connector.Server}; it does not stop itself.", pid,
                        "Give the pid of another session; Get-DatabaseActivity lists them without its own."));
                }

                var session = await FindAsync(connection, connector, request, cancellationToken).ConfigureAwait(false);

                // A session whose state this user may not see (State null) is signalled all the same.
                if (Action == DatabaseSessionStopAction.Cancel && session.State is DatabaseSessionState state && state != DatabaseSessionState.Active)
                {
                    reporter.Verbose($"pid {pid} is {state}, running no query: nothing to cancel.");
                    return Outcome<DatabaseSessionStopResult>.Success(Result(connector, session, DatabaseSessionStopStatus.NothingToCancel, TimeSpan.Zero));
                }

                if (!await confirm(session, cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                reporter.Verbose($"{(Action == DatabaseSessionStopAction.Cancel ? "Cancelling the query of" : "Terminating")} {session} on {connector.Server}.");
                var clock = Stopwatch.StartNew();
                await SignalAsync(connection, connector, session, cancellationToken).ConfigureAwait(false);
                DatabaseSessionStopStatus status;
                if (Action == DatabaseSessionStopAction.Cancel && session.State is null)
                {
                    status = DatabaseSessionStopStatus.Signalled;
                }
                else
                {
                    var done = await WaitUntilStoppedAsync(connection, session, connector.Timeout, cancellationToken).ConfigureAwait(false);
                    status = !done ? DatabaseSessionStopStatus.StillRunning
                        : Action == DatabaseSessionStopAction.Cancel ? DatabaseSessionStopStatus.Cancelled : DatabaseSessionStopStatus.Terminated;
                }

                return Outcome<DatabaseSessionStopResult>.Success(Result(connector, session, status, clock.Elapsed));
            }
            catch (OpsRunbookException ex)
            {
                return Outcome<DatabaseSessionStopResult>.Failed(ex);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                return Outcome<DatabaseSessionStopResult>.Failed(DatabaseFailure.Running(ex, connector.Connection, connector.Timeout,
                    $"{Verb} pid {pid}", pid,
                    "Only a superuser may stop a superuser's session; others must be a member of the session's role or of pg_signal_backend."));
            }
        }

        private string Verb => Action == DatabaseSessionStopAction.Cancel ? "cancel the query of" : "terminate";

        private static async Task<DatabaseSession> FindAsync(NpgsqlConnection connection, DatabaseConnector connector, SessionStopRequest request,
            CancellationToken cancellationToken)
        {
            SessionRow? row = null;
            await using (var command = SessionRows.Command(connection, "a.pid = @pid", QueryLength))
            {
                command.Parameters.AddWithValue("pid", request.Pid);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    row = SessionRows.Read(reader, QueryLength);
                }
            }

            if (row is null)
            {
                throw new OpsRunbookException(DatabaseErrors.SessionNotFound, FailureCategory.ObjectNotFound,
                    $"The server {connector.Server} has no session with pid {request.Pid}; it may have ended already.", request.Pid,
                    "List the current sessions with Get-DatabaseActivity and give the pid of one of them.");
            }

            // Pids are reused: a different start time means the session that was seen has ended.
            if (request.BackendStart is DateTimeOffset seen && row.BackendStart is DateTimeOffset now && seen != now)
            {
                throw new OpsRunbookException(DatabaseErrors.SessionNotFound, FailureCategory.ObjectNotFound,
                    $"The session with pid {request.Pid} that started at {seen:u} has ended on {connector.Server}; the pid now belongs to a session that started at {now:u}.",
                    request.Pid, "Run Get-DatabaseActivity again to see the current sessions.");
            }

            return SessionRows.ToSessions(new[] { row }, connector.Server, connector.Connection)[0];
        }

        private async Task SignalAsync(NpgsqlConnection connection, DatabaseConnector connector, DatabaseSession session, CancellationToken cancellationToken)
        {
            var function = Action == DatabaseSessionStopAction.Cancel ? "pg_cancel_backend" : "pg_terminate_backend";
            var warnings = new List<string>();
            void OnNotice(object sender, NpgsqlNoticeEventArgs e) => warnings.Add(e.Notice.MessageText);
            connection.Notice += OnNotice;
            try
            {
                await using var command = new NpgsqlCommand($"SELECT {function}(@pid)", connection);
                command.Parameters.AddWithValue("pid", session.Pid);
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
                {
                    // The server says why in a WARNING: no longer a backend, or a process that takes no signals.
                    throw new OpsRunbookException(DatabaseErrors.SessionNotSignalled, FailureCategory.InvalidOperation,
                        $"The server {connector.Server} did not {Verb} pid {session.Pid}{(warnings.Count > 0 ? ": " + string.Join(" ", warnings) : string.Empty)}.",
                        session.Pid, "Check with Get-DatabaseActivity -IncludeBackground that the pid is a session that can be stopped.");
                }
            }
            finally
            {
                connection.Notice -= OnNotice;
            }
        }

        // Cancelled: the query that was running has ended (the session is idle, runs another query, or is gone).
        // Terminated: no backend with that pid and start time is left.
        private async Task<bool> WaitUntilStoppedAsync(NpgsqlConnection connection, DatabaseSession session, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                await using (var command = new NpgsqlCommand(
                    "SELECT state, query_start FROM pg_stat_activity WHERE pid = @pid AND backend_start IS NOT DISTINCT FROM @backend_start", connection))
                {
                    command.Parameters.AddWithValue("pid", session.Pid);
                    command.Parameters.Add(new NpgsqlParameter("backend_start", NpgsqlTypes.NpgsqlDbType.TimestampTz)
                    {
                        Value = session.BackendStart is DateTimeOffset start ? start.ToUniversalTime() : DBNull.Value,
                    });
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return true;
                    }

                    if (Action == DatabaseSessionStopAction.Cancel)
                    {
                        var state = reader.IsDBNull(0) ? null : reader.GetString(0);
                        var queryStart = reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1);
                        if (state != "active" || queryStart != session.QueryStart)
                        {
                            return true;
                        }
                    }
                }

                if (deadline.Elapsed >= timeout)
                {
                    return false;
                }

                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        private DatabaseSessionStopResult Result(DatabaseConnector connector, DatabaseSession session, DatabaseSessionStopStatus status, TimeSpan elapsed) =>
            new(connector.Server, session.Pid, Action, status)
            {
                Database = session.Database,
                User = session.User,
                Application = session.Application,
                State = session.State,
                Query = session.Query,
                Duration = session.Duration,
                Elapsed = elapsed,
            };
    }
}
