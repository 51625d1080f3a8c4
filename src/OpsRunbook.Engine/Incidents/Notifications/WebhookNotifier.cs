using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Incidents;

namespace OpsRunbook.Engine.Incidents.Notifications
{
    /// <summary>What became of one message.</summary>
    /// <param name="Channel">The webhook as it may be shown: scheme and host, never its secret path.</param>
    public sealed record NotificationOutcome(bool Delivered, int Attempts, string Channel, string? Error);

    /// <summary>
    /// Posts messages to a Slack-compatible incoming webhook ({"text": ...}). Each attempt has a timeout; failed
    /// attempts are retried with doubling waits (a 429's Retry-After when it is shorter than the cap); a client
    /// error other than 408 and 429 is not retried. The whole send is bounded: it never holds an incident up for long.
    /// </summary>
    public sealed class WebhookNotifier
    {
        public const string EnvironmentVariable = "OPSRUNBOOK_INCIDENT_WEBHOOK";

        /// <summary>Seed 004's variable for the same webhook, read when OPSRUNBOOK_INCIDENT_WEBHOOK is not set.</summary>
        public const string SlackEnvironmentVariable = "SLACK_WEBHOOK_URL";

        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

        private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(8);

        // One client for the process: connections are reused, and recycled so DNS changes are seen.
        private static readonly HttpClient Client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };

        private readonly Uri _uri;

        public WebhookNotifier(Uri uri, TimeSpan attemptTimeout, int attempts = 3, TimeSpan? firstWait = null)
        {
            _uri = uri;
            AttemptTimeout = attemptTimeout;
            Attempts = Math.Max(1, attempts);
            FirstWait = firstWait ?? TimeSpan.FromSeconds(1);
        }

        public TimeSpan AttemptTimeout { get; }

        public int Attempts { get; }

        public TimeSpan FirstWait { get; }

        /// <summary>The webhook without its path: webhook URLs carry their token in the path.</summary>
        public string Channel => Display(_uri);

        /// <summary>-WebhookUri, else OPSRUNBOOK_INCIDENT_WEBHOOK, else SLACK_WEBHOOK_URL; throws for a missing or unusable one.</summary>
        public static Uri Resolve(string? given, Func<string, string?> environment)
        {
            var text = !string.IsNullOrWhiteSpace(given) ? given
                : environment(EnvironmentVariable) is { Length: > 0 } configured ? configured
                : environment(SlackEnvironmentVariable);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw Failures.InvalidArgument(IncidentErrors.WebhookNotConfigured, "-Notify was given, but no webhook is: nothing was done.", null,
                    $"Give -WebhookUri, or set {EnvironmentVariable} (or {SlackEnvironmentVariable}) to the incoming webhook's URL.");
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                var shown = Uri.TryCreate(text, UriKind.Absolute, out var parsed) ? Display(parsed) : "(not a URL)";
                throw Failures.InvalidArgument(IncidentErrors.InvalidWebhookUri, $"The webhook {shown} is not an http:// or https:// URL: nothing was done.", shown,
                    "Give the incoming webhook's URL, such as https://hooks.slack.com/services/T000/B000/XXXX.");
            }

            return uri;
        }

        public static string Display(Uri uri) =>
            uri.IsAbsoluteUri ? $"{uri.Scheme}://{uri.Host}{(uri.IsDefaultPort ? string.Empty : ":" + uri.Port)}{(uri.AbsolutePath.Length > 1 ? "/***" : string.Empty)}" : "***";

        public async Task<NotificationOutcome> SendAsync(string text, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            // Retries against a slow webhook can take a while: say so, as any long operation does.
            var activity = $"Sending {IncidentMessages.Template(text)} to {Channel}";
            try
            {
                return await SendAttemptsAsync(text, activity, reporter, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                reporter.Progress(new OperationProgress(activity, "Done", 100, Completed: true));
            }
        }

        private async Task<NotificationOutcome> SendAttemptsAsync(string text, string activity, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var wait = FirstWait;
            string? error = null;
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                reporter.Progress(new OperationProgress(activity, $"attempt {attempt} of {Attempts}", (attempt - 1) * 100 / Attempts));
                TimeSpan? retryAfter = null;
                using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    deadline.CancelAfter(AttemptTimeout);
                    try
                    {
                        using var response = await Client.PostAsJsonAsync(_uri, new { text }, deadline.Token).ConfigureAwait(false);
                        if (response.IsSuccessStatusCode)
                        {
                            return new NotificationOutcome(true, attempt, Channel, null);
                        }

                        error = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                        if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                        {
                            // The webhook refuses the message itself (revoked, wrong URL): sending it again will not help.
                            return new NotificationOutcome(false, attempt, Channel, error);
                        }

                        retryAfter = response.StatusCode == HttpStatusCode.TooManyRequests ? response.Headers.RetryAfter?.Delta : null;
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        error = $"no answer within {AttemptTimeout.TotalSeconds:0.#} s";
                    }
                    catch (HttpRequestException ex)
                    {
                        error = SecretRedactor.Redact(ex.InnerException?.Message ?? ex.Message, new[] { _uri.ToString(), _uri.PathAndQuery });
                    }
                }

                if (attempt < Attempts)
                {
                    var pause = retryAfter is { } asked && asked > wait && asked <= MaxWait ? asked : wait;
                    if (reporter.IsVerbose)
                    {
                        reporter.Verbose($"Webhook {Channel}: attempt {attempt} of {Attempts} failed ({error}); trying again in {pause.TotalSeconds:0.#} s.");
                    }

                    await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                    wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, MaxWait.Ticks));
                }
            }

            return new NotificationOutcome(false, Attempts, Channel, error);
        }
    }
}
