using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using StackExchange.Redis;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>
    /// One connected Redis deployment (a server, several endpoints or a cluster) for the Redis cmdlets: its servers,
    /// the database to work in, and the one translation of what a command can throw into an error an operator reads.
    /// </summary>
    public sealed class RedisSession : IDisposable
    {
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

        private readonly ConnectionMultiplexer _multiplexer;
        private string? _lost;

        private RedisSession(RedisConnectionInfo connection, ConnectionMultiplexer multiplexer, TimeSpan timeout)
        {
            Connection = connection;
            _multiplexer = multiplexer;
            Timeout = timeout;
            // A server that restarts is reconnected to in the background; an operation must not go on as if nothing had happened.
            _multiplexer.ConnectionFailed += OnConnectionFailed;
        }

        public RedisConnectionInfo Connection { get; }

        /// <summary>The bound of every command sent.</summary>
        public TimeSpan Timeout { get; }

        public string DisplayTarget => Connection.DisplayTarget;

        internal ConnectionMultiplexer Multiplexer => _multiplexer;

        /// <summary>The connected servers, in the order the connection names them.</summary>
        internal IReadOnlyList<IServer> Servers => _multiplexer.GetServers().Where(s => s.IsConnected).ToList();

        /// <summary>The servers that take writes. A connection to one replica alone has none.</summary>
        internal IReadOnlyList<IServer> Primaries => Servers.Where(s => !s.IsReplica).ToList();

        internal bool IsCluster => Servers.Any(s => s.ServerType == ServerType.Cluster);

        public static async Task<RedisSession> OpenAsync(RedisConnectionInfo connection, TimeSpan timeout, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var multiplexer = await RedisConnector.ConnectAsync(connection, new RedisConnectSettings(timeout, "opsrunbook"), cancellationToken).ConfigureAwait(false);
            var session = new RedisSession(connection, multiplexer, timeout);
            // A restore killed while this server replicated its temporary server left it a read-only replica: put right first.
            await RedisRestoreRecovery.RepairReplicasAsync(session, reporter, cancellationToken).ConfigureAwait(false);
            if (reporter.IsVerbose)
            {
                var servers = session.Servers;
                reporter.Verbose($"Connected to {connection.DisplayTarget}: {string.Join(", ", servers.Select(s => $"{Endpoint(s)} ({(s.IsReplica ? "replica" : "primary")}, {s.ServerType.ToString().ToLowerInvariant()}, {s.Version})"))}.");
            }

            return session;
        }

        /// <summary>host:port of a server, as the connection shows it.</summary>
        public static string Endpoint(IServer server) => server.EndPoint switch
        {
            DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
            IPEndPoint { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
            IPEndPoint ip => $"{ip.Address}:{ip.Port}",
            var other => other.ToString() ?? string.Empty,
        };

        /// <summary>The primaries, or an error when the connection reaches replicas only.</summary>
        internal IReadOnlyList<IServer> RequirePrimaries(string doing)
        {
            var primaries = Primaries;
            return primaries.Count > 0
                ? primaries
                : throw new OpsRunbookException(RedisErrors.RedisPrimaryNotFound, FailureCategory.ResourceUnavailable,
                    $"{DisplayTarget} reaches no primary (only replicas), so it cannot be used for {doing}.", DisplayTarget,
                    "Connect to the primary, or list it among the endpoints of the connection string.");
        }

        /// <summary>
        /// The database to work in: the one asked for, else the connection's (redis://host/3), else 0. Checked against
        /// what the servers have, so a wrong index is an error before anything is sent.
        /// </summary>
        internal int ResolveDatabase(int? requested)
        {
            var database = requested ?? Connection.Database ?? 0;
            var servers = Servers;
            if (database < 0)
            {
                throw InvalidDatabase(database, "a database index is 0 or more");
            }

            if (IsCluster && database != 0)
            {
                throw InvalidDatabase(database, "a Redis cluster has database 0 only");
            }

            var count = servers.Count == 0 ? 16 : servers.Min(s => s.DatabaseCount);
            if (database >= count)
            {
                throw InvalidDatabase(database, $"the server has {count} databases, 0 to {count - 1}");
            }

            return database;
        }

        /// <summary>A server's CONFIG GET value; empty when it names none (or the user may not read it).</summary>
        internal async Task<string> ConfigAsync(IServer server, string name, CancellationToken cancellationToken)
        {
            var pairs = await RunAsync(server, () => server.ConfigGetAsync(name), $"reading CONFIG GET {name}", cancellationToken).ConfigureAwait(false);
            return pairs.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value ?? string.Empty;
        }

        /// <summary>
        /// Runs one command against a server; what it throws becomes an error that names the server and what was being
        /// done. Once any connection of the session has dropped, nothing more is sent.
        /// </summary>
        internal async Task<T> RunAsync<T>(IServer server, Func<Task<T>> command, string doing, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _lost) is string lost)
            {
                throw new OpsRunbookException(RedisErrors.RedisConnectionLost, FailureCategory.ConnectionError,
                    $"The connection to {lost} while {doing}", DisplayTarget,
                    "Check that the server is running (it may have stopped or restarted), then run the command again.");
            }

            try
            {
                return await command().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw Failure(ex, server, doing);
            }
        }

        /// <summary>An error for something a command threw while <paramref name="doing"/> on <paramref name="server"/>.</summary>
        internal OpsRunbookException Failure(Exception exception, IServer server, string doing)
        {
            var where = Endpoint(server);
            // What the server or the driver said; the rest is composed here and holds no password.
            string Clean(string text) => SecretRedactor.Redact(text, Connection.Secrets);
            return exception switch
            {
                RedisServerException error when error.Message.Contains("DB index is out of range", StringComparison.OrdinalIgnoreCase) =>
                    new OpsRunbookException(RedisErrors.InvalidDatabase, FailureCategory.InvalidArgument,
                        $"{where} refused the database while {doing}: {Clean(error.Message)}", DisplayTarget,
                        "Give -Database a number from 0 to the server's 'databases' setting minus one.", exception),
                RedisServerException error when error.Message.StartsWith("NOPERM", StringComparison.Ordinal) =>
                    new OpsRunbookException(RedisErrors.RedisPermissionDenied, FailureCategory.PermissionDenied,
                        $"{where} does not let this user do that ({doing}): {Clean(error.Message)}", DisplayTarget,
                        "Connect as a user whose ACL allows the command (ACL GETUSER shows what a user may run).", exception),
                RedisServerException error => new OpsRunbookException(RedisErrors.RedisCommandFailed, FailureCategory.InvalidOperation,
                    $"{where} answered an error while {doing}: {Clean(error.Message)}", DisplayTarget,
                    "Read the server's message; the server's log may say more.", exception),
                RedisTimeoutException or TimeoutException => new OpsRunbookException(RedisErrors.RedisTimeout, FailureCategory.OperationTimeout,
                    $"{where} did not answer within {Timeout.TotalSeconds:0.###} s while {doing}.", DisplayTarget,
                    "Check the server's load (SLOWLOG GET, INFO), or give a longer -TimeoutSec.", exception),
                RedisConnectionException lost => new OpsRunbookException(RedisErrors.RedisConnectionLost, FailureCategory.ConnectionError,
                    $"The connection to {where} was lost while {doing}: {Clean(RedisConnector.Describe(lost))}", DisplayTarget,
                    "Check that the server is running (it may have stopped or restarted), then run the command again.", exception),
                _ => new OpsRunbookException(RedisErrors.RedisCommandFailed, FailureCategory.InvalidOperation,
                    $"{where} could not be used while {doing}: {Clean(exception.Message)}", DisplayTarget,
                    "Read the message; the server's log may say more.", exception),
            };
        }

        private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
        {
            if (e.ConnectionType != ConnectionType.Interactive)
            {
                return;
            }

            var where = e.EndPoint switch
            {
                DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
                IPEndPoint ip => $"{ip.Address}:{ip.Port}",
                var other => other?.ToString() ?? DisplayTarget,
            };
            var why = e.FailureType == ConnectionFailureType.SocketClosed ? "the server closed the connection" : $"connection failed ({e.FailureType})";
            Interlocked.CompareExchange(ref _lost, $"{where} was lost ({why})", null);
        }

        private OpsRunbookException InvalidDatabase(int database, string reason) =>
            Failures.InvalidArgument(RedisErrors.InvalidDatabase, $"The database {database} cannot be used on {DisplayTarget}: {reason}.", database,
                "Give -Database a number from 0 to the server's 'databases' setting minus one (16 databases, 0-15, by default).");

        public void Dispose()
        {
            _multiplexer.ConnectionFailed -= OnConnectionFailed;
            _multiplexer.Dispose();
        }
    }
}
