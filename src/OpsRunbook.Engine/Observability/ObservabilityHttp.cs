using System;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>HTTP for the observability cmdlets: one pooled client, bounded bodies, failures that say what to fix.</summary>
    internal static class ObservabilityHttp
    {
        public const int MaxBodyBytes = 64 << 20;

        public static readonly HttpClient Client = new(new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = System.Net.DecompressionMethods.GZip | System.Net.DecompressionMethods.Deflate,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxBodyBytes,
        };

        public static readonly string UserAgent = "OpsRunbook/" + typeof(ObservabilityHttp).Assembly.GetName().Version?.ToString(3);

        /// <summary>Sends within the timeout; a refused connection, a timeout or a TLS failure becomes <paramref name="unreachableId"/>.</summary>
        public static async Task<(int Status, string ContentType, string Body)> SendAsync(HttpRequestMessage request, TimeSpan timeout,
            string unreachableId, string what, string fix, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
                var bytes = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
                var charset = response.Content.Headers.ContentType?.CharSet;
                var encoding = charset is null ? Encoding.UTF8 : SafeEncoding(charset);
                return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? string.Empty, encoding.GetString(bytes));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new OpsRunbookException(unreachableId, FailureCategory.OperationTimeout,
                    $"{what} did not answer within {timeout.TotalSeconds:0.###} s.", request.RequestUri?.ToString(), fix);
            }
            catch (HttpRequestException ex)
            {
                throw new OpsRunbookException(unreachableId, FailureCategory.ConnectionError,
                    $"{what} cannot be reached: {Describe(ex)}.", request.RequestUri?.ToString(), fix, ex);
            }
        }

        private static Encoding SafeEncoding(string charset)
        {
            try
            {
                return Encoding.GetEncoding(charset.Trim('"'));
            }
            catch (ArgumentException)
            {
                return Encoding.UTF8;
            }
        }

        private static string Describe(HttpRequestException exception)
        {
            for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
            {
                if (inner is SocketException socket)
                {
                    return socket.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "connection refused",
                        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                        SocketError.TimedOut => "connection timed out",
                        _ => socket.Message,
                    };
                }
            }

            return exception.Message;
        }

        public static Uri RequireHttpUri(string text, string parameter, string example)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw Failures.InvalidArgument(ConnectionErrors.InvalidUri, $"-{parameter} '{text}' is not an absolute http:// or https:// URI.", text,
                    $"Give -{parameter} as a URI such as {example}.");
            }

            return uri;
        }

        public static MediaTypeWithQualityHeaderValue Accept(string mediaType, double? quality = null) =>
            quality is double q ? new MediaTypeWithQualityHeaderValue(mediaType, q) : new MediaTypeWithQualityHeaderValue(mediaType);
    }
}
