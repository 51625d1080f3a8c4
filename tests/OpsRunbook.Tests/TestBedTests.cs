using System;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace OpsRunbook.Tests
{
    /// <summary>The test bed itself: the services the other tests rely on are there and are the bed's own.</summary>
    public class TestBedTests
    {
        private static HttpClient DockerClient()
        {
            var uri = new Uri(TestBed.DockerHost);
            Assert.Equal("unix", uri.Scheme);
            var socketPath = uri.AbsolutePath;
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            return new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = TimeSpan.FromSeconds(10) };
        }

        [Fact]
        public async Task Dockerd_answers_ping_on_its_unix_socket()
        {
            using var client = DockerClient();

            using var response = await client.GetAsync("_ping");

            Assert.True(response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}");
            Assert.Equal("OK", await response.Content.ReadAsStringAsync());
        }

        [Fact]
        public async Task Dockerd_lists_the_test_image()
        {
            using var client = DockerClient();

            using var document = JsonDocument.Parse(await client.GetStringAsync("images/json"));

            var found = false;
            foreach (var image in document.RootElement.EnumerateArray())
            {
                if (image.TryGetProperty("RepoTags", out var tags) && tags.ValueKind == JsonValueKind.Array)
                {
                    foreach (var tag in tags.EnumerateArray())
                    {
                        found |= tag.GetString() == TestBed.DockerImage;
                    }
                }
            }

            Assert.True(found, $"{TestBed.DockerImage} is not among the images of {TestBed.DockerHost}");
        }

        [Fact]
        public async Task Http_test_service_answers_on_loopback()
        {
            var uri = new Uri(TestBed.HttpUrl);
            Assert.True(uri.IsLoopback, $"{uri} is not on loopback");
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

            var body = await client.GetStringAsync(new Uri(uri, "/health"));

            Assert.Contains("\"ok\"", body);
        }

        [Fact]
        public void Services_listen_on_loopback_only()
        {
            Assert.Equal("127.0.0.1", TestBed.PostgresHost);
            Assert.Equal("127.0.0.1", TestBed.RedisHost);
            Assert.True(System.IO.File.Exists(TestBed.TlsCaPath), $"{TestBed.TlsCaPath} is missing");
        }
    }
}
