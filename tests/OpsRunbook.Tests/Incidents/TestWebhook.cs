using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Json;
using System.Threading.Tasks;

namespace OpsRunbook.Tests.Incidents
{
    /// <summary>A channel of the test service's recording webhook (/webhook/CHANNEL), fresh for each test.</summary>
    internal sealed class TestWebhook
    {
        private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(10) };

        public TestWebhook(string query = "")
        {
            Channel = "t-" + Guid.NewGuid().ToString("N")[..10];
            Uri = new Uri($"{TestBed.HttpUrl}/webhook/{Channel}{query}");
        }

        public string Channel { get; }

        /// <summary>Where to post, switches included.</summary>
        public Uri Uri { get; }

        /// <summary>Every post the channel received, in order, with the status it was answered (0: never answered).</summary>
        public async Task<IReadOnlyList<Post>> PostsAsync() =>
            await Client.GetFromJsonAsync<List<Post>>($"{TestBed.HttpUrl}/webhook/{Channel}") ?? new List<Post>();

        public sealed record Post(DateTimeOffset ReceivedAt, string Body, int Status, string? Text);
    }
}
