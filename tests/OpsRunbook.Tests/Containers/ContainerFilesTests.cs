using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using Xunit;

namespace OpsRunbook.Tests.Containers
{
    public sealed class ContainerFilesTests : IAsyncLifetime
    {
        private readonly TestContainers _containers = new();
        private string _container = string.Empty;

        // Files of several sizes, each with its sha256sum beside it, written by the container itself.
        public async Task InitializeAsync() => _container = await _containers.CreateAsync("files",
            "for n in 0 5000 70000 3000000; do head -c $n /dev/urandom > /tmp/f$n; sha256sum /tmp/f$n > /tmp/f$n.sum; done; " + TestContainers.GracefulLoop);

        public Task DisposeAsync() => _containers.DisposeAsync().AsTask();

        [Theory]
        [InlineData(0)]
        [InlineData(5000)]
        [InlineData(70000)]
        [InlineData(3000000)]
        public async Task Copies_files_larger_than_a_chunk_byte_for_byte(int size)
        {
            using var docker = _containers.Connect();
            var files = new ContainerFiles(docker);
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (await files.SizeAsync(_container, $"/tmp/f{size}.sum", CancellationToken.None) is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            using var copy = new MemoryStream();
            var copied = await files.CopyOutAsync(_container, $"/tmp/f{size}", copy, CancellationToken.None);

            Assert.Equal(size, copied);
            var witness = TestContainers.DockerCli("exec", _container, "cat", $"/tmp/f{size}.sum");
            Assert.StartsWith(Convert.ToHexString(SHA256.HashData(copy.ToArray())).ToLowerInvariant() + " ", witness);
        }
    }
}
