using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using Xunit;

namespace OpsRunbook.Tests.Containers
{
    public sealed class ContainerExecTests : IAsyncLifetime
    {
        private readonly TestContainers _containers = new();
        private string _container = string.Empty;

        public async Task InitializeAsync() => _container = await _containers.CreateAsync("exec", TestContainers.GracefulLoop);

        public Task DisposeAsync() => _containers.DisposeAsync().AsTask();

        private async Task<(ExecOutcome Outcome, byte[] Output)> Run(string script, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
        {
            using var docker = _containers.Connect();
            using var output = new MemoryStream();
            var outcome = await new ContainerExec(docker).RunAsync(_container, new[] { "sh", "-c", script }, output, environment, null, cancellationToken);
            return (outcome, output.ToArray());
        }

        [Fact]
        public async Task Streams_stdout_keeps_stderr_and_reports_the_exit_code()
        {
            var (outcome, output) = await Run("echo hello; echo 'something failed' >&2; exit 3");

            Assert.Equal("hello\n", Encoding.UTF8.GetString(output));
            Assert.Equal(3, outcome.ExitCode);
            Assert.Equal("something failed", outcome.StandardError);
            Assert.Equal(6, outcome.StandardOutputBytes);
        }

        [Fact]
        public async Task Streams_large_output_byte_for_byte()
        {
            var (outcome, output) = await Run("head -c 5000000 /dev/urandom | tee /tmp/big | cat; sha256sum /tmp/big >&2");

            Assert.Equal(0, outcome.ExitCode);
            Assert.Equal(5_000_000, output.Length);
            Assert.StartsWith(Convert.ToHexString(SHA256.HashData(output)).ToLowerInvariant(), outcome.StandardError);
        }

        [Fact]
        public async Task Passes_variables_to_the_command_alone()
        {
            var (_, output) = await Run("echo \"$OPSRUNBOOK_SECRET\"", new Dictionary<string, string> { ["OPSRUNBOOK_SECRET"] = TestBed.Password });

            Assert.Equal(TestBed.Password + "\n", Encoding.UTF8.GetString(output));
            Assert.DoesNotContain(TestBed.Password, TestContainers.DockerCli("top", _container));
        }

        [Fact]
        public async Task Cancelling_stops_the_command_inside_the_container()
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(800));
            var clock = System.Diagnostics.Stopwatch.StartNew();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run("sleep 37", cancellationToken: cancel.Token));

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (TestContainers.DockerCli("top", _container).Contains("sleep 37") && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.DoesNotContain("sleep 37", TestContainers.DockerCli("top", _container));
        }

        [Fact]
        public async Task Copies_a_file_out_and_tells_its_size()
        {
            await Run("printf 'rdb-bytes' > /tmp/dump.rdb");
            using var docker = _containers.Connect();
            var files = new ContainerFiles(docker);
            using var copy = new MemoryStream();

            var size = await files.SizeAsync(_container, "/tmp/dump.rdb", CancellationToken.None);
            var copied = await files.CopyOutAsync(_container, "/tmp/dump.rdb", copy, CancellationToken.None);

            Assert.Equal(9, size);
            Assert.Equal(9, copied);
            Assert.Equal("rdb-bytes", Encoding.UTF8.GetString(copy.ToArray()));
            Assert.Null(await files.SizeAsync(_container, "/tmp/no-such-file", CancellationToken.None));
            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => files.CopyOutAsync(_container, "/tmp", new MemoryStream(), CancellationToken.None));
            Assert.Equal("ContainerFileNotFound", ex.ErrorId);
            var missing = await Assert.ThrowsAsync<OpsRunbookException>(() => files.SizeAsync(_containers.Prefix + "-ghost", "/tmp/x", CancellationToken.None));
            Assert.Equal("ContainerNotFound", missing.ErrorId);
        }
    }
}
