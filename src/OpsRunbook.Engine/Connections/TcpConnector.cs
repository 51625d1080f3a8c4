using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace OpsRunbook.Engine.Connections
{
    /// <summary>A plain TCP connect, and the operator's words for why one failed.</summary>
    internal static class TcpConnector
    {
        public static async Task<Socket> ConnectAsync(HostEndpoint endpoint, CancellationToken cancellationToken)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        public static string Describe(SocketException exception) => exception.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
            SocketError.TimedOut => "connection timed out",
            SocketError.NetworkUnreachable or SocketError.HostUnreachable => "host unreachable",
            SocketError.ConnectionReset => "connection reset by the server",
            _ => exception.Message,
        };
    }
}
