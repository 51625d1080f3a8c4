using System;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using Npgsql;
using OpsRunbook.Engine.Connections;
using StackExchange.Redis;

namespace OpsRunbook.Engine.Connections
{
    /// <summary>Turns what a driver threw into one line an operator can act on.</summary>
    internal static class ConnectionFailure
    {
        public static string Describe(Exception exception, TimeSpan timeout, bool timedOut)
        {
            if (timedOut)
            {
                return $"no answer within {timeout.TotalSeconds:0.###} s";
            }

            return exception switch
            {
                RedisConnectException redis => redis.Reason,
                OpsRunbookException ours => ours.Message,
                PostgresException pg => $"{pg.MessageText} (SQLSTATE {pg.SqlState})",
                RedisConnectionException redis => Redis(redis),
                RedisServerException server when server.Message.StartsWith("NOAUTH", StringComparison.Ordinal) =>
                    "authentication required: give the password (NOAUTH)",
                RedisTimeoutException => $"no answer within {timeout.TotalSeconds:0.###} s",
                HttpRequestException http when Find<SocketException>(http) is SocketException socket => Socket(socket),
                HttpRequestException http when Find<AuthenticationException>(http) is AuthenticationException tls => $"TLS handshake failed: {tls.Message}",
                HttpRequestException http => http.Message,
                NpgsqlException npgsql when Find<SocketException>(npgsql) is SocketException socket => Socket(socket),
                NpgsqlException npgsql when Find<TimeoutException>(npgsql) is not null => $"no answer within {timeout.TotalSeconds:0.###} s",
                SocketException socket => Socket(socket),
                AuthenticationException tls => $"TLS handshake failed: {tls.Message}",
                TimeoutException => $"no answer within {timeout.TotalSeconds:0.###} s",
                _ => exception.InnerException is null ? exception.Message : $"{exception.Message} ({exception.GetBaseException().Message})",
            };
        }

        private static string Redis(RedisConnectionException exception) => RedisConnector.Describe(exception);

        private static string Socket(SocketException exception) => TcpConnector.Describe(exception);

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
}
