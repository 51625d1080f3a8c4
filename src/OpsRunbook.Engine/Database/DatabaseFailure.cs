using System;
using System.Net.Sockets;
using Npgsql;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// Turns what Npgsql or the server threw into an OpsRunbookException with a specific ErrorId, the server's
    /// own words and SQLSTATE, and what to do. The password is removed from every message.
    /// </summary>
    internal static class DatabaseFailure
    {
        public const string CheckCredentials =
            "Check the user and password: -Credential, the password in -ConnectionString, PGPASSWORD, or the inventory service's PasswordVariable.";

        public static bool IsDriverFailure(Exception exception) =>
            exception is NpgsqlException or TimeoutException or SocketException or System.IO.IOException;

        public static OpsRunbookException Connecting(Exception exception, PostgresConnectionInfo connection, TimeSpan timeout)
        {
            var server = connection.DisplayTarget;
            var (id, category, advice) = exception switch
            {
                PostgresException { SqlState: "28P01" or "28000" } => (DatabaseErrors.AuthenticationFailed, FailureCategory.AuthenticationError, CheckCredentials),
                PostgresException { SqlState: "3D000" } => (DatabaseErrors.DatabaseNotFound, FailureCategory.ObjectNotFound,
                    "Give the name of an existing database; Get-DatabaseSize lists them."),
                PostgresException { SqlState: "53300" } => (DatabaseErrors.TooManyConnections, FailureCategory.ResourceUnavailable,
                    "Every connection slot is taken: connect as a superuser, for whom superuser_reserved_connections are kept, to find and stop sessions."),
                PostgresException => (DatabaseErrors.ConnectionFailed, FailureCategory.ConnectionError, "Check the server's log for why it refused the connection."),
                _ when IsTimeout(exception) => (DatabaseErrors.ConnectionTimeout, FailureCategory.OperationTimeout,
                    "Check that the host and port are right and reachable, or give a larger -TimeoutSec."),
                _ => (DatabaseErrors.ConnectionFailed, FailureCategory.ConnectionError,
                    $"Check that PostgreSQL runs at {connection.Host}:{connection.Port} and that the host and port (-ConnectionString, PGHOST, PGPORT) are right."),
            };
            return new OpsRunbookException(id, category,
                $"Cannot connect to {server}: {Redact(Describe(exception, timeout), connection)}.", server, advice, exception);
        }

        /// <param name="action">What was being done, to complete "Cannot ...": "cancel the query of pid 42".</param>
        /// <param name="permissionAdvice">What to do when the server says the user lacks a privilege.</param>
        public static OpsRunbookException Running(Exception exception, PostgresConnectionInfo connection, TimeSpan timeout, string action,
            object? target, string? permissionAdvice = null)
        {
            var (id, category, advice) = exception switch
            {
                PostgresException { SqlState: "42501" } => (DatabaseErrors.PermissionDenied, FailureCategory.PermissionDenied,
                    permissionAdvice ?? "Connect as a role with this privilege: the owner of the object, or a superuser."),
                PostgresException { SqlState: "55P03" } => (DatabaseErrors.LockTimeout, FailureCategory.ResourceUnavailable,
                    "Another session holds a lock on it: try again later, raise -LockTimeoutSec, or find the session with Get-DatabaseActivity."),
                PostgresException { SqlState: "57014" } => (DatabaseErrors.QueryTimeout, FailureCategory.OperationTimeout,
                    "The statement was cancelled by statement_timeout or by another session; raise the timeout or run it when the server is quieter."),
                PostgresException { SqlState: "42P01" } => (DatabaseErrors.TableNotFound, FailureCategory.ObjectNotFound,
                    "The table no longer exists; list the tables with Get-DatabaseSize -Table."),
                PostgresException { SqlState: "3D000" } => (DatabaseErrors.DatabaseNotFound, FailureCategory.ObjectNotFound,
                    "Give the name of an existing database; Get-DatabaseSize lists them."),
                PostgresException => (DatabaseErrors.DatabaseCommandFailed, FailureCategory.InvalidOperation, "Read the server's message above and correct what it names."),
                _ when IsTimeout(exception) => (DatabaseErrors.QueryTimeout, FailureCategory.OperationTimeout, "Give a larger -TimeoutSec, or try when the server is less busy."),
                _ => (DatabaseErrors.ConnectionFailed, FailureCategory.ConnectionError, "The connection to the server was lost; check that it is running and try again."),
            };
            return new OpsRunbookException(id, category,
                $"Cannot {action} on {connection.DisplayTarget}: {Redact(Describe(exception, timeout), connection)}.", target, advice, exception);
        }

        public static string Describe(Exception exception, TimeSpan timeout) => exception switch
        {
            PostgresException pg => $"{pg.MessageText} (SQLSTATE {pg.SqlState})",
            _ => ConnectionFailure.Describe(exception, timeout, IsTimeout(exception)),
        };

        private static bool IsTimeout(Exception exception)
        {
            for (Exception? current = exception; current is not null; current = current.InnerException)
            {
                if (current is TimeoutException)
                {
                    return true;
                }
            }

            return false;
        }

        // Only what the driver or the server said: the target is shown by its structure, without its password.
        private static string Redact(string text, PostgresConnectionInfo connection) => SecretRedactor.Redact(text, connection.Secrets);
    }
}
