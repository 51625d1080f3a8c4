using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    /// <summary>
    /// A PostgreSQL of its own, in a container of the test bed's dockerd (the host's binaries mounted, host
    /// networking, trust auth), holding a table big enough that dumping it takes seconds: for the tests that
    /// stop the server or cancel mid-backup, and for pg_dump run inside the container. Removed at the end.
    /// </summary>
    public sealed class ContainerPostgresFixture : IAsyncLifetime
    {
        public const string Database = "big";

        private readonly DockerClient _docker = new DockerClientConfiguration(new Uri(TestBed.DockerHost)).CreateClient();
        private readonly string _data = Path.Combine(TestBed.Artifacts, "pg-" + Guid.NewGuid().ToString("N")[..8]);

        public string Container { get; } = "orb-pg-" + Guid.NewGuid().ToString("N")[..8];

        public int Port { get; } = FreePort();

        public string Uri => $"postgres://postgres@127.0.0.1:{Port}/{Database}";

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(_data);
            Run("chown", "postgres:postgres", _data);
            Run("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", Path.Combine(TestBed.PostgresBin, "initdb"), "-D", Path.Combine(_data, "data"), "-U", "postgres", "--auth=trust", "--no-sync");
            var ids = Run("id", "-u", "postgres").Trim() + ":" + Run("id", "-g", "postgres").Trim();
            await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = Container,
                Image = TestBed.DockerImage,
                User = ids,
                Env = new[] { $"PATH={TestBed.PostgresBin}:/usr/bin:/bin", "PGHOST=/tmp", $"PGPORT={Port}" },
                Cmd = new[] { Path.Combine(TestBed.PostgresBin, "postgres"), "-D", "/pg/data", "-c", "listen_addresses=127.0.0.1", "-c", $"port={Port}", "-c", "unix_socket_directories=/tmp", "-c", "fsync=off" },
                HostConfig = new HostConfig
                {
                    NetworkMode = "host",
                    Binds = new[] { "/usr:/usr:ro", "/lib:/lib:ro", "/lib64:/lib64:ro", "/etc:/etc:ro", $"{_data}:/pg" },
                },
            });
            await StartAsync();
            await QueryAsync("postgres", $"CREATE DATABASE {Database}");
            // About 150 MB of text that compresses poorly, so pg_dump -Fc takes seconds.
            await QueryAsync(Database, "CREATE TABLE events AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) AS payload, now() - g * interval '1 second' AS at FROM generate_series(1, 1200000) g");
        }

        public async Task StartAsync()
        {
            await _docker.Containers.StartContainerAsync(Container, new ContainerStartParameters());
            var clock = Stopwatch.StartNew();
            while (!Accepts())
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new TimeoutException($"PostgreSQL in {Container} did not start: {TestContainersLogs()}");
                }

                await Task.Delay(100);
            }

            await Task.Delay(300);
        }

        public Task KillAsync() => _docker.Containers.KillContainerAsync(Container, new ContainerKillParameters { Signal = "SIGKILL" });

        public async Task DisposeAsync()
        {
            await _docker.Containers.RemoveContainerAsync(Container, new ContainerRemoveParameters { Force = true });
            _docker.Dispose();
            Run("rm", "-rf", _data);
        }

        public Task QueryAsync(string database, string sql)
        {
            var result = Witness.Run(Path.Combine(TestBed.PostgresBin, "psql"), new[] { "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", Port.ToString(), "-U", "postgres", "-d", database, "-c", sql });
            Assert.True(result.ExitCode == 0, result.Output);
            return Task.CompletedTask;
        }

        private string TestContainersLogs() => Containers.TestContainers.DockerCli("logs", Container);

        private bool Accepts() =>
            Witness.Run(Path.Combine(TestBed.PostgresBin, "pg_isready"), new[] { "-q", "-h", "127.0.0.1", "-p", Port.ToString() }).ExitCode == 0;

        private static string Run(string program, params string[] arguments)
        {
            var result = Witness.Run(program, arguments);
            Assert.True(result.ExitCode == 0, $"{program}: {result.Output}");
            return result.Output;
        }

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
