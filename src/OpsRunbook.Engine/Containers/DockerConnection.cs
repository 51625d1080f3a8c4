using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>
    /// The Docker Engine API of one daemon: -DockerHost, else DOCKER_HOST, else the local socket. Every call
    /// goes through <see cref="CallAsync{T}"/>, which turns the client's failures into one clear error each:
    /// a missing container, a daemon that cannot be reached, a request the daemon refused.
    /// </summary>
    public sealed class DockerConnection : IDisposable
    {
        public const string DefaultHost = "unix:///var/run/docker.sock";

        private readonly DockerClient _client;

        private DockerConnection(string host, DockerClient client)
        {
            Host = host;
            _client = client;
        }

        public string Host { get; }

        public static DockerConnection Open(string? dockerHost, Func<string, string?> environment)
        {
            var host = !string.IsNullOrWhiteSpace(dockerHost) ? dockerHost!.Trim()
                : environment("DOCKER_HOST") is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim()
                : DefaultHost;
            if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Scheme is not ("unix" or "tcp" or "http" or "https"))
            {
                throw Failures.InvalidArgument(ContainerErrors.InvalidDockerHost,
                    $"The Docker host '{host}' is not a unix:// socket path or a tcp://host:port address.", host,
                    "Give -DockerHost or DOCKER_HOST as unix:///var/run/docker.sock or tcp://127.0.0.1:2375.");
            }

            var configuration = new DockerClientConfiguration(uri, null, TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(10), null);
            return new DockerConnection(host, configuration.CreateClient(null));
        }

        /// <summary>Calls the API. <paramref name="container"/> names what a 404 is about.</summary>
        internal async Task<T> CallAsync<T>(Func<DockerClient, CancellationToken, Task<T>> call, string? container, CancellationToken cancellationToken)
        {
            try
            {
                return await call(_client, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound && container is not null)
            {
                throw ContainerNotFound(container, ex);
            }
            catch (DockerApiException ex)
            {
                throw new OpsRunbookException(ContainerErrors.DockerRequestFailed, FailureCategory.InvalidOperation,
                    $"The Docker daemon at {Host} refused the request{(container is null ? string.Empty : " for " + container)}: {DaemonMessage(ex)}",
                    container, "Read the daemon's message; docker info on that host shows its state.", ex);
            }
            catch (Exception ex) when (IsUnreachable(ex) && !cancellationToken.IsCancellationRequested)
            {
                throw Unavailable(ex);
            }
        }

        internal Task CallAsync(Func<DockerClient, CancellationToken, Task> call, string? container, CancellationToken cancellationToken) =>
            CallAsync<bool>(async (client, token) => { await call(client, token).ConfigureAwait(false); return true; }, container, cancellationToken);

        public static OpsRunbookException ContainerNotFound(string container, Exception? inner = null) =>
            new(ContainerErrors.ContainerNotFound, FailureCategory.ObjectNotFound, $"There is no container '{container}'.", container,
                "Get-ServiceContainer -All lists the containers there are (with -Project for a compose project).", inner);

        private OpsRunbookException Unavailable(Exception ex)
        {
            // A missing socket file reads as "Cannot assign requested address" from the client: say what it is.
            var socket = Host.StartsWith("unix://", StringComparison.OrdinalIgnoreCase) ? new Uri(Host).AbsolutePath : null;
            var reason = socket is not null && !File.Exists(socket) ? $"the socket {socket} does not exist" : ex.GetBaseException().Message;
            return new OpsRunbookException(ContainerErrors.DockerUnavailable, FailureCategory.ConnectionError,
                $"Cannot reach the Docker daemon at {Host}: {reason}.", Host,
                "Start dockerd, or point -DockerHost or DOCKER_HOST at the daemon to use.", ex);
        }

        private static bool IsUnreachable(Exception ex) =>
            ex is HttpRequestException or SocketException or IOException or TimeoutException or OperationCanceledException ||
            ex.InnerException is not null && IsUnreachable(ex.InnerException);

        // The daemon answers {"message": "..."}; show its words, not the JSON.
        private static string DaemonMessage(DockerApiException ex)
        {
            try
            {
                using var json = JsonDocument.Parse(ex.ResponseBody ?? string.Empty);
                if (json.RootElement.TryGetProperty("message", out var message))
                {
                    return message.GetString() ?? ex.Message;
                }
            }
            catch (JsonException)
            {
            }

            return string.IsNullOrWhiteSpace(ex.ResponseBody) ? ex.StatusCode.ToString() : ex.ResponseBody.Trim();
        }

        public void Dispose() => _client.Dispose();
    }
}
