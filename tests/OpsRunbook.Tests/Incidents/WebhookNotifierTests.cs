using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Incidents.Notifications;
using Xunit;

namespace OpsRunbook.Tests.Incidents
{
    /// <summary>The notifier against the test service's recording webhook on loopback.</summary>
    public sealed class WebhookNotifierTests
    {
        private static WebhookNotifier Notifier(TestWebhook webhook, double timeoutSeconds = 5) =>
            new(webhook.Uri, TimeSpan.FromSeconds(timeoutSeconds), attempts: 3, firstWait: TimeSpan.FromMilliseconds(200));

        [Fact]
        public async Task Posts_the_text_as_slack_json_once()
        {
            var webhook = new TestWebhook();
            var outcome = await Notifier(webhook).SendAsync("[INCIDENT] INC-1 - P1 - api down", OperationReporter.None, CancellationToken.None);

            Assert.True(outcome.Delivered);
            Assert.Equal(1, outcome.Attempts);
            var post = Assert.Single(await webhook.PostsAsync());
            Assert.Equal("[INCIDENT] INC-1 - P1 - api down", post.Text);
            Assert.StartsWith("{\"text\":", post.Body, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Retries_a_failing_webhook_and_delivers_on_the_third_attempt()
        {
            var webhook = new TestWebhook("?fail=2&status=503");
            var reporter = new RecordingReporter();
            var outcome = await Notifier(webhook).SendAsync("[UPDATE] retried", reporter, CancellationToken.None);

            Assert.True(outcome.Delivered);
            Assert.Equal(3, outcome.Attempts);
            Assert.Equal(new[] { 503, 503, 200 }, (await webhook.PostsAsync()).Select(p => p.Status));
            Assert.Equal(2, reporter.Verboses.Count(v => v.Contains("HTTP 503", StringComparison.Ordinal)));
            Assert.Equal(new[] { "attempt 1 of 3", "attempt 2 of 3", "attempt 3 of 3", "Done" }, reporter.Progresses.Select(p => p.Status));
            Assert.True(reporter.Progresses[^1].Completed);
        }

        [Fact]
        public async Task Gives_up_after_three_attempts_and_says_why()
        {
            var webhook = new TestWebhook("?fail=99");
            var outcome = await Notifier(webhook).SendAsync("[UPDATE] never", OperationReporter.None, CancellationToken.None);

            Assert.False(outcome.Delivered);
            Assert.Equal(3, outcome.Attempts);
            Assert.Equal("HTTP 500 Internal Server Error", outcome.Error);
            Assert.Equal(3, (await webhook.PostsAsync()).Count);
        }

        [Fact]
        public async Task Does_not_retry_a_webhook_that_refuses_the_message_itself()
        {
            var webhook = new TestWebhook("?fail=99&status=404");
            var outcome = await Notifier(webhook).SendAsync("[UPDATE] gone", OperationReporter.None, CancellationToken.None);

            Assert.False(outcome.Delivered);
            Assert.Equal(1, outcome.Attempts);
            Assert.Single(await webhook.PostsAsync());
        }

        [Fact]
        public async Task Waits_as_long_as_a_429_asks_within_the_cap()
        {
            var webhook = new TestWebhook("?fail=1&status=429&retryAfter=1");
            var outcome = await Notifier(webhook).SendAsync("[UPDATE] throttled", OperationReporter.None, CancellationToken.None);

            Assert.True(outcome.Delivered);
            var posts = await webhook.PostsAsync();
            Assert.Equal(new[] { 429, 200 }, posts.Select(p => p.Status));
            Assert.True(posts[1].ReceivedAt - posts[0].ReceivedAt >= TimeSpan.FromMilliseconds(900), "the second post came before Retry-After");
        }

        [Fact]
        public async Task A_hanging_webhook_costs_each_attempt_its_timeout_and_no_more()
        {
            var webhook = new TestWebhook("?hang=1");
            var clock = Stopwatch.StartNew();
            var outcome = await Notifier(webhook, timeoutSeconds: 1).SendAsync("[INCIDENT] hang", OperationReporter.None, CancellationToken.None);
            clock.Stop();

            Assert.False(outcome.Delivered);
            Assert.Equal(3, outcome.Attempts);
            Assert.Equal("no answer within 1 s", outcome.Error);
            // Three attempts of 1 s and two waits (0.2 s, 0.4 s): bounded, whatever the webhook does.
            Assert.InRange(clock.Elapsed.TotalSeconds, 3.5, 30);
        }

        [Fact]
        public async Task An_unreachable_webhook_fails_without_showing_its_secret_path()
        {
            var notifier = new WebhookNotifier(new Uri($"http://127.0.0.1:{TestBed.ClosedPort()}/services/T000/B000/{TestBed.Password}"),
                TimeSpan.FromSeconds(2), attempts: 2, firstWait: TimeSpan.FromMilliseconds(50));
            var outcome = await notifier.SendAsync("[INCIDENT] nobody home", OperationReporter.None, CancellationToken.None);

            Assert.False(outcome.Delivered);
            Assert.Equal(2, outcome.Attempts);
            Assert.Contains("refused", outcome.Error, StringComparison.OrdinalIgnoreCase);
            Assert.EndsWith("/***", outcome.Channel, StringComparison.Ordinal);
            SecretAssert.Absent(outcome.Channel);
            SecretAssert.Absent(outcome.Error);
        }

        [Fact]
        public void Takes_the_webhook_from_the_parameter_then_the_environment_and_refuses_what_is_not_one()
        {
            Assert.Equal("https://a.example/x", WebhookNotifier.Resolve("https://a.example/x", Env.None).ToString());
            Assert.Equal("https://b.example/y", WebhookNotifier.Resolve(null, Env.Of((WebhookNotifier.EnvironmentVariable, "https://b.example/y"), (WebhookNotifier.SlackEnvironmentVariable, "https://c.example/z"))).ToString());
            Assert.Equal("https://c.example/z", WebhookNotifier.Resolve(null, Env.Of((WebhookNotifier.SlackEnvironmentVariable, "https://c.example/z"))).ToString());

            Assert.Equal("WebhookNotConfigured", Assert.Throws<OpsRunbookException>(() => WebhookNotifier.Resolve(null, Env.None)).ErrorId);
            var invalid = Assert.Throws<OpsRunbookException>(() => WebhookNotifier.Resolve("ftp://files.example/secret-token", Env.None));
            Assert.Equal("InvalidWebhookUri", invalid.ErrorId);
            Assert.DoesNotContain("secret-token", invalid.Message, StringComparison.Ordinal);
        }
    }
}
