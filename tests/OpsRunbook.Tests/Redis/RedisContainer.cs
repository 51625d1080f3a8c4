using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace OpsRunbook.Tests.Redis
{
    /// <summary>
    /// A real redis-server in a container of the test bed's dockerd: the host's binaries mounted read-only, host
    /// networking on a free loopback port, its dir inside the container only (/data), so its snapshot can be reached
    /// only through the Docker Engine API. The password comes from a config file mounted read-only, never a command line.
    /// </summary>
    internal sealed class RedisContainer : IAsyncDisposable
    {
        private readonly DockerClient _client = new DockerClientConfiguration(new Uri(TestBed.DockerHost)).CreateClient();
        private readonly string _configFolder;
        private string? _id;

        private RedisContainer(string name, int port, string fileName, string configFolder)
        {
            Name = name;
            Port = port;
            FileName = fileName;
            _configFolder = configFolder;
        }

        public string Name { get; }

        public int Port { get; }

        /// <summary>The server's dbfilename, unique so that no file of that name exists on the host.</summary>
        public string FileName { get; }

        public string SnapshotPath => "/data/" + FileName;

        public string Uri => $"redis://:{System.Uri.EscapeDataString(TestBed.Password)}@127.0.0.1:{Port}";

        /// <param name="readOnlyData">/data a read-only folder of the host's: nothing can be put into the server's dir.</param>
        public static async Task<RedisContainer> StartAsync(bool readOnlyData = false)
        {
            var id = Guid.NewGuid().ToString("N")[..8];
            var folder = Path.Combine(Path.GetTempPath(), "orb-redis-c-" + id);
            Directory.CreateDirectory(folder);
            var port = RedisServerProcess.FreePort();
            var fileName = $"orb-{id}.rdb";
            await File.WriteAllLinesAsync(Path.Combine(folder, "redis.conf"), new[]
            {
                "bind 127.0.0.1", $"port {port}", "dir /data", $"dbfilename {fileName}", "save \"\"", "appendonly no", "enable-debug-command yes", $"requirepass {TestBed.Password}",
            });
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(folder, "redis.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            var container = new RedisContainer($"orb-redis-{id}", port, fileName, folder);
            await container.CreateAsync(readOnlyData);
            return container;
        }

        private async Task CreateAsync(bool readOnlyData)
        {
            var binds = new List<string> { "/usr:/usr:ro", "/lib:/lib:ro", "/lib64:/lib64:ro", "/etc:/etc:ro", $"{_configFolder}:/conf:ro" };
            if (readOnlyData)
            {
                System.IO.Directory.CreateDirectory(Path.Combine(_configFolder, "data"));
                binds.Add($"{Path.Combine(_configFolder, "data")}:/data:ro");
            }

            var created = await _client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = Name,
                Image = TestBed.DockerImage,
                Cmd = new[] { "/usr/bin/redis-server", "/conf/redis.conf" },
                HostConfig = new HostConfig
                {
                    NetworkMode = "host",
                    Binds = binds,
                },
            });
            _id = created.ID;
            await _client.Containers.StartContainerAsync(_id, new ContainerStartParameters());
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    if (RedisCli.Run(Port, null, "PING").Trim() == "PONG")
                    {
                        return;
                    }
                }
                catch (InvalidOperationException) when (clock.Elapsed < TimeSpan.FromSeconds(15))
                {
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(15))
                {
                    throw new TimeoutException($"redis-server in {Name} did not answer within 15 s.");
                }

                await Task.Delay(100);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_id is not null)
            {
                try
                {
                    await _client.Containers.RemoveContainerAsync(_id, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
                }
                catch (DockerApiException)
                {
                }
            }

            _client.Dispose();
            try
            {
                Directory.Delete(_configFolder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
