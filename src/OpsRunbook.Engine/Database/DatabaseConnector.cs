using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// Opens the connections of the database operations: unpooled, so closing one ends its backend and
    /// leaves nothing idle on the server; connect and commands bounded by the timeout; an application_name
    /// that tells operators who it is.
    /// </summary>
    public sealed class DatabaseConnector
    {
        public DatabaseConnector(PostgresConnectionInfo connection, TimeSpan timeout)
        {
            if (timeout <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive.");
            }

            Connection = connection;
            Timeout = timeout;
        }

        public PostgresConnectionInfo Connection { get; }

        public TimeSpan Timeout { get; }

        /// <summary>The server without password, as results show it.</summary>
        public string Server => Connection.DisplayTarget;

        /// <summary>This connector for another database of the same server.</summary>
        public DatabaseConnector ForDatabase(string database) =>
            database == Connection.Database ? this : new DatabaseConnector(Connection.ForDatabase(database), Timeout);

        /// <summary>The database this connector reaches: the one it names, or, when it names none, the one the server chose (the user's name).</summary>
        public async Task<string> DatabaseNameAsync(CancellationToken cancellationToken)
        {
            if (!string.IsNullOrEmpty(Connection.Database))
            {
                return Connection.Database;
            }

            await using var connection = await OpenAsync("database name", cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT current_database()", connection);
            return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        /// <summary>Opens a connection; <paramref name="commandTimeout"/> null means the timeout, zero means none.</summary>
        public async Task<NpgsqlConnection> OpenAsync(string purpose, CancellationToken cancellationToken, TimeSpan? commandTimeout = null)
        {
            var builder = Connection.CreateBuilder();
            var seconds = WholeSeconds(Timeout);
            builder.Pooling = false;
            builder.Enlist = false; // never inside an ambient transaction: VACUUM and REINDEX CONCURRENTLY refuse to run in one
            builder.Timeout = seconds;
            builder.CommandTimeout = commandTimeout is TimeSpan given ? (given <= TimeSpan.Zero ? 0 : WholeSeconds(given)) : seconds;
            builder.ApplicationName ??= "OpsRunbook " + purpose;

            var connection = new NpgsqlConnection(builder.ConnectionString);
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw DatabaseFailure.Connecting(ex, Connection, Timeout);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        private static int WholeSeconds(TimeSpan time) => (int)Math.Max(1, Math.Ceiling(time.TotalSeconds));
    }
}
