using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Tests.Containers
{
    /// <summary>
    /// Makes containers on the test bed's dockerd (busybox image, no network) for one test class, labelled
    /// as compose labels them, and removes them afterwards. The docker CLI is the independent witness.
    /// </summary>
    public sealed class TestContainers : IAsyncDisposable
    {
        // Exits at once on SIGTERM, as a well-behaved service does.
        public const string GracefulLoop = "trap 'exit 0' TERM; while true; do sleep 0.1; done";

        private readonly DockerClient _client = new DockerClientConfiguration(new Uri(TestBed.DockerHost)).CreateClient();
        private readonly List<string> _created = new();
        private readonly List<string> _images = new();

        public TestContainers()
        {
            Prefix = "orb-" + Guid.NewGuid().ToString("N")[..8];
        }

        /// <summary>Unique per instance, so tests never see each other's containers.</summary>
        public string Prefix { get; }

        public DockerConnection Connect() => DockerConnection.Open(TestBed.DockerHost, _ => null);

        /// <summary>The Docker.DotNet client, for what a test checks through the Engine API itself.</summary>
        public DockerClient Client => _client;

        /// <summary>A new image from a container's file system (docker commit), tagged PREFIX-REPOSITORY:TAG; its id. Removed afterwards.</summary>
        public async Task<string> CommitAsync(string container, string repository, string tag)
        {
            var image = $"{Prefix}-{repository}";
            var committed = await _client.Images.CommitContainerChangesAsync(new CommitContainerChangesParameters { ContainerID = container, RepositoryName = image, Tag = tag });
            _images.Add(committed.ID);
            return committed.ID;
        }

        public async Task<string> CreateAsync(string name, string script, string? project = null, string? service = null,
            string? dependsOn = null, string? healthCommand = null, bool start = true, string? restartPolicy = null,
            IList<string>? environment = null, string? image = null)
        {
            var labels = new Dictionary<string, string>();
            if (project is not null)
            {
                labels[ContainerCatalog.ProjectLabel] = project;
                labels[ContainerCatalog.ServiceLabel] = service ?? name;
                if (dependsOn is not null)
                {
                    labels[ContainerCatalog.DependsOnLabel] = dependsOn;
                }
            }

            var parameters = new CreateContainerParameters
            {
                Name = $"{Prefix}-{name}",
                Image = image ?? TestBed.DockerImage,
                Cmd = new[] { "sh", "-c", script },
                Env = environment,
                Labels = labels,
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    RestartPolicy = restartPolicy is null ? null : new RestartPolicy { Name = Enum.Parse<RestartPolicyKind>(restartPolicy, true), MaximumRetryCount = 0 },
                },
                Healthcheck = healthCommand is null ? null : new HealthConfig
                {
                    Test = new[] { "CMD-SHELL", healthCommand },
                    Interval = TimeSpan.FromMilliseconds(500),
                    Timeout = TimeSpan.FromSeconds(2),
                    Retries = 2,
                    // Failures while starting do not count, as with a compose file's start_period.
                    StartPeriod = (long)TimeSpan.FromSeconds(10).TotalNanoseconds,
                },
            };
            var created = await _client.Containers.CreateContainerAsync(parameters);
            _created.Add(created.ID);
            if (start)
            {
                await _client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
            }

            return parameters.Name;
        }

        /// <summary>Waits (bounded) until the witness says the container is in the given state.</summary>
        public static async Task WaitForStateAsync(string container, string state, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (Inspect(container, "{{.State.Status}}") != state)
            {
                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"{container} did not reach {state} within {timeout}; it is {Inspect(container, "{{.State.Status}}")}.");
                }

                await Task.Delay(100);
            }
        }

        /// <summary>docker inspect -f FORMAT, the witness.</summary>
        public static string Inspect(string container, string format) => DockerCli("inspect", "-f", format, container).Trim();

        public static string DockerCli(params string[] arguments)
        {
            var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
            info.Environment["DOCKER_HOST"] = TestBed.DockerHost;
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill();
                throw new TimeoutException($"docker {string.Join(' ', arguments)} did not finish in 60 s.");
            }

            return process.ExitCode == 0 ? output.Result : throw new InvalidOperationException($"docker {string.Join(' ', arguments)}: {error.Result}");
        }

        public async ValueTask DisposeAsync()
        {
            // What the engine made too: containers it created again under our names, and any left aside.
            var ours = await _client.Containers.ListContainersAsync(new ContainersListParameters { All = true });
            foreach (var id in _created.Concat(ours.Where(c => c.Names.Any(n => n.TrimStart('/').StartsWith(Prefix, StringComparison.Ordinal))).Select(c => c.ID)).Distinct())
            {
                try
                {
                    await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true });
                }
                catch (DockerApiException)
                {
                    // Gone already.
                }
            }

            foreach (var id in _images)
            {
                try
                {
                    await _client.Images.DeleteImageAsync(id, new ImageDeleteParameters { Force = true });
                }
                catch (DockerApiException)
                {
                    // Gone already.
                }
            }

            _client.Dispose();
        }
    }
}
