using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Health
{
    /// <summary>GETs a health endpoint: the status code decides, and a readiness document adds components.</summary>
    internal sealed class HttpHealthProbe : HealthProbe
    {
        private const int MaxBodyBytes = 1 << 20;

        // One client for the process: probes share pooled connections, so 500 targets do not mean 500 handshakes twice.
        private static readonly HttpClient Client = new(new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        private static readonly string UserAgent = "OpsRunbook/" + typeof(HttpHealthProbe).Assembly.GetName().Version?.ToString(3);

        private readonly Uri _uri;
        private readonly NetworkCredential? _credential;

        public HttpHealthProbe(Uri uri, NetworkCredential? credential)
        {
            // Credentials in the URI move to an Authorization header, so the URI can be shown.
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var separator = uri.UserInfo.IndexOf(':');
                credential ??= new NetworkCredential(
                    Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]),
                    separator < 0 ? string.Empty : Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]));
                uri = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri;
            }

            _uri = uri;
            _credential = credential;
        }

        public override ServiceKind Kind => ServiceKind.Http;

        // A signed or token-bearing health URL shows its parameters, not their values.
        public override string DisplayTarget => ConnectionStringText.WithoutQuerySecrets(_uri.ToString());

        public override string DefaultName => _uri.Authority;

        public override IEnumerable<string?> Secrets => ConnectionStringText.QuerySecretsIn(_uri.ToString()).Append(_credential?.Password);

        public override async Task<ProbeOutcome> ProbeAsync(ProbeContext context, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
            request.Headers.TryAddWithoutValidation("Accept", "application/json");
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            if (_credential is not null && _uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(_uri))
            {
                // Basic is the password in base64: across a network it goes only inside TLS.
                return new ProbeOutcome(HealthStatus.Unhealthy,
                    $"not probed: the password would go as Basic authentication over plain http to {_uri.Host}; give an https:// address, or no credential");
            }

            if (_credential is not null)
            {
                var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_credential.UserName}:{_credential.Password}"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
            }

            using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var body = await ReadBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            var document = ReadinessDocument.TryParse(body);
            var components = document?.Components ?? Array.Empty<HealthComponent>();

            var status = response.IsSuccessStatusCode ? HealthStatus.Healthy : HealthStatus.Unhealthy;
            if (document?.Status is HealthStatus stated)
            {
                status = StatusWords.Worst(status, stated);
            }

            // A service that says it is fine while a dependency fails is running degraded (seed 002's Redis fallback).
            if (status == HealthStatus.Healthy && components.Any(c => c.Status != HealthStatus.Healthy))
            {
                status = HealthStatus.Degraded;
            }

            return new ProbeOutcome(status, status == HealthStatus.Healthy ? null : Describe(response, document, components))
            {
                Components = components,
                Version = document?.Version,
                Details = new[] { new KeyValuePair<string, object?>("StatusCode", code) },
            };
        }

        private static bool IsLoopback(Uri uri) =>
            uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

        private static string Describe(HttpResponseMessage response, ReadinessDocument? document, IReadOnlyList<HealthComponent> components)
        {
            var parts = new List<string>();
            if (!response.IsSuccessStatusCode)
            {
                parts.Add($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
            }

            if (document?.ReportedStatus is string reported && document.Status != HealthStatus.Healthy)
            {
                parts.Add($"status '{reported}'");
            }

            parts.AddRange(components.Where(c => c.Status != HealthStatus.Healthy).Select(c => c.ToString()));
            return parts.Count == 0 ? $"HTTP {(int)response.StatusCode}" : string.Join("; ", parts);
        }

        private static async Task<string> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
        {
            using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                var length = 0;
                int read;
                while (length < MaxBodyBytes && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    length += read;
                    if (length == buffer.Length && length < MaxBodyBytes)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxBodyBytes));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }

                return Encoding.UTF8.GetString(buffer, 0, Math.Min(length, MaxBodyBytes));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
