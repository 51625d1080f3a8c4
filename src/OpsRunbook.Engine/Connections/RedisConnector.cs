using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using StackExchange.Redis;

namespace OpsRunbook.Engine.Connections
{
    /// <summary>The bounds and name of one Redis connection.</summary>
    /// <param name="Timeout">For the connect and for every command sent on it.</param>
    /// <param name="ClientName">What CLIENT LIST shows for it, so operators can tell who is connected.</param>
    public sealed record RedisConnectSettings(TimeSpan Timeout, string ClientName);

    /// <summary>
    /// Opens Redis connections the one way every area shares (Get-ServiceHealth's probe and the Redis cmdlets):
    /// a plain TCP connect first, so a refused port is reported at once rather than at the multiplexer's timeout;
    /// the caller's timeout on the connect and on every command; admin commands allowed (StackExchange.Redis
    /// counts INFO, CONFIG, BGSAVE and FLUSHDB as admin); and commands that fail at once while disconnected
    /// instead of waiting for a reconnect, so an operation never goes on against a server that restarted
    /// under it. A failure to connect is a <see cref="RedisConnectException"/> that says why, without secrets.
    /// </summary>
    public static class RedisConnector
    {
        public static async Task<ConnectionMultiplexer> ConnectAsync(RedisConnectionInfo connection, RedisConnectSettings settings, CancellationToken cancellationToken)
        {
            var options = connection.CreateOptions();
            var milliseconds = (int)Math.Clamp(settings.Timeout.TotalMilliseconds, 1, int.MaxValue);
            options.AbortOnConnectFail = true;
            options.ConnectRetry = 1;
            options.ConnectTimeout = milliseconds;
            options.SyncTimeout = milliseconds;
            options.AsyncTimeout = milliseconds;
            options.ClientName = settings.ClientName;
            options.AllowAdmin = true;
            options.BacklogPolicy = BacklogPolicy.FailFast;
            // No tie-breaker GET on connect: it would count as a keyspace miss in the hit rate operators watch. No
            // configuration channel either: nothing here needs pub/sub, which an ACL user may not be allowed.
            options.TieBreaker = string.Empty;
            options.ConfigurationChannel = string.Empty;

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(settings.Timeout);
            Task<ConnectionMultiplexer>? connecting = null;
            try
            {
                foreach (var endpoint in connection.HostEndpoints)
                {
                    try
                    {
                        using var socket = await TcpConnector.ConnectAsync(endpoint, deadline.Token).ConfigureAwait(false);
                    }
                    catch (SocketException ex) when (connection.Endpoints.Count > 1)
                    {
                        // With several endpoints, say which one.
                        throw Failure(connection, ConnectionErrors.RedisConnectionFailed, FailureCategory.ConnectionError, $"{TcpConnector.Describe(ex)} ({endpoint})",
                            "Check the host and port, and that redis-server runs there.", ex);
                    }
                }

                connecting = ConnectionMultiplexer.ConnectAsync(options, TextWriter.Null);
                return await connecting.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                DisposeWhenDone(connecting);
                throw Failure(connection, ConnectionErrors.RedisConnectionFailed, FailureCategory.OperationTimeout,
                    $"no answer within {settings.Timeout.TotalSeconds:0.###} s", "Check that the server runs and is reachable, or give a longer -TimeoutSec.", null);
            }
            catch (OperationCanceledException)
            {
                DisposeWhenDone(connecting);
                throw;
            }
            catch (SocketException ex)
            {
                throw Failure(connection, ConnectionErrors.RedisConnectionFailed, FailureCategory.ConnectionError, TcpConnector.Describe(ex),
                    "Check the host and port, and that redis-server runs there.", ex);
            }
            catch (RedisConnectionException ex) when (ex.FailureType == ConnectionFailureType.AuthenticationFailure && string.IsNullOrEmpty(options.Password))
            {
                throw Failure(connection, ConnectionErrors.RedisPasswordRequired, FailureCategory.AuthenticationError,
                    "the server requires a password: give it in the URL, with -Credential or with PasswordVariable",
                    "Give the password in the connection string (redis://:password@host:6379), with -Credential, or through the inventory's PasswordVariable.", ex);
            }
            catch (RedisConnectionException ex)
            {
                var reason = Describe(ex);
                var authentication = reason.StartsWith("authentication", StringComparison.Ordinal);
                throw Failure(connection, authentication ? ConnectionErrors.RedisAuthenticationFailed : ConnectionErrors.RedisConnectionFailed,
                    authentication ? FailureCategory.AuthenticationError : FailureCategory.ConnectionError, reason,
                    authentication
                        ? "Check the password, and the ACL user name if one is given (-Credential, or user:password in the URL)."
                        : "Check that the server runs and is reachable.", ex);
            }
        }

        /// <summary>Why StackExchange.Redis could not connect, in the operator's words.</summary>
        public static string Describe(RedisConnectionException exception) => exception.FailureType switch
        {
            ConnectionFailureType.AuthenticationFailure => "authentication failed: wrong password or user",
            _ when exception.Message.Contains("WRONGPASS", StringComparison.Ordinal) => "authentication failed: wrong password or user (WRONGPASS)",
            _ when exception.Message.Contains("NOAUTH", StringComparison.Ordinal) => "authentication required: give the password (NOAUTH)",
            _ when Find<SocketException>(exception) is SocketException socket => TcpConnector.Describe(socket),
            ConnectionFailureType.SocketClosed => "the server closed the connection",
            ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection => "unable to connect",
            var type => $"connection failed ({type})",
        };

        // A connect abandoned at its deadline may still succeed later: close what it opens.
        private static void DisposeWhenDone(Task<ConnectionMultiplexer>? connecting) =>
            connecting?.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

        private static RedisConnectException Failure(RedisConnectionInfo connection, string errorId, FailureCategory category, string reason,
            string recommendedAction, Exception? inner) =>
            new(errorId, category, SecretRedactor.Redact(reason, connection.Secrets),
                $"Cannot connect to Redis at {connection.DisplayTarget}: {SecretRedactor.Redact(reason, connection.Secrets)}.",
                connection.DisplayTarget, recommendedAction, inner);

        private static T? Find<T>(Exception exception) where T : Exception
        {
            for (Exception? current = exception; current is not null; current = current.InnerException)
            {
                if (current is T match)
                {
                    return match;
                }
            }

            return null;
        }
    }

    /// <summary>A Redis server could not be connected to. <see cref="Reason"/> is the short why that probes report.</summary>
    public sealed class RedisConnectException : OpsRunbookException
    {
        public RedisConnectException(string errorId, FailureCategory category, string reason, string message, object? targetObject,
            string recommendedAction, Exception? innerException)
            : base(errorId, category, message, targetObject, recommendedAction, innerException)
        {
            Reason = reason;
        }

        /// <summary>"connection refused", "authentication failed: wrong password or user", ...</summary>
        public string Reason { get; }
    }
}
