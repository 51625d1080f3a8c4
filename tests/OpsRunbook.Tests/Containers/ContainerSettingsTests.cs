using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Containers;
using Xunit;

namespace OpsRunbook.Tests.Containers
{
    /// <summary>
    /// What a restore point records of a container: captured from a real one on the test bed's dockerd, with a secret
    /// (the bed's password) in its environment that must be kept by name only. docker inspect is the witness.
    /// </summary>
    public sealed class ContainerSettingsTests : IAsyncLifetime
    {
        private readonly TestContainers _containers = new();
        private string _container = string.Empty;

        /// <summary>The environment of a service that holds secrets: two of them the bed's password, one ordinary variable.</summary>
        internal static List<string> ServiceEnvironment(string mode) =>
            new() { $"API_TOKEN={TestBed.Password}", $"DB_PASSWORD={TestBed.Password}", $"APP_MODE={mode}" };

        public async Task InitializeAsync() =>
            _container = await _containers.CreateAsync("settings", TestContainers.GracefulLoop, environment: ServiceEnvironment("production"));

        public Task DisposeAsync() => _containers.DisposeAsync().AsTask();

        private async Task<ContainerSettings> CaptureAsync()
        {
            using var docker = _containers.Connect();
            return await new ContainerRecreator(docker, Env.None).CaptureAsync(_container, CancellationToken.None);
        }

        [Fact]
        public async Task Capture_keeps_secret_variables_by_name_only()
        {
            var settings = await CaptureAsync();

            Assert.Equal(_container, settings.Name);
            Assert.Equal(TestContainers.Inspect(_container, "{{.Image}}"), settings.ImageId);
            Assert.Equal(TestBed.DockerImage, settings.ImageName);
            Assert.Equal(new[] { "API_TOKEN", "DB_PASSWORD" }, settings.SecretVariables.Order());
            Assert.Contains("APP_MODE=production", settings.Config.Env);
            Assert.DoesNotContain(settings.Config.Env, e => e.StartsWith("API_TOKEN", System.StringComparison.Ordinal) || e.StartsWith("DB_PASSWORD", System.StringComparison.Ordinal));
            SecretAssert.Absent(settings.ToJson());
            SecretAssert.Absent(settings.Fingerprint());
            // The witness: the container itself still has the secret.
            Assert.True(TestContainers.Inspect(_container, "{{json .Config.Env}}").Contains($"API_TOKEN={TestBed.Password}", System.StringComparison.Ordinal),
                "the container's API_TOKEN is not the one it was created with");
        }

        [Fact]
        public async Task From_leaves_the_daemons_answer_as_it_was()
        {
            var inspected = await _containers.Client.Containers.InspectContainerAsync(_container);
            var before = JsonSerializer.Serialize(inspected);

            var settings = ContainerSettings.From(inspected);

            // Compared without printing: both hold the password.
            Assert.True(before == JsonSerializer.Serialize(inspected), "ContainerSettings.From changed the inspect answer it was given");
            Assert.Equal(2, inspected.Config.Env.Count(e => e == $"API_TOKEN={TestBed.Password}" || e == $"DB_PASSWORD={TestBed.Password}"));
            Assert.NotSame(inspected.Config, settings.Config);
            var secrets = ContainerSettings.SecretValues(inspected);
            Assert.Equal(new[] { "API_TOKEN", "DB_PASSWORD" }, secrets.Keys.Order());
            Assert.True(secrets.Values.All(v => v == TestBed.Password), "SecretValues did not read the running container's values");
        }

        [Fact]
        public async Task Fingerprint_is_the_same_for_the_same_settings_and_differs_when_image_or_environment_does()
        {
            var settings = await CaptureAsync();
            var again = await CaptureAsync();
            var stored = ContainerSettings.FromJson(settings.ToJson());

            Assert.Equal(settings.Fingerprint(), again.Fingerprint());
            Assert.Equal(settings.Fingerprint(), stored.Fingerprint());

            var otherImage = ContainerSettings.FromJson(settings.ToJson());
            otherImage.ImageId = "sha256:" + new string('0', 64);
            Assert.NotEqual(settings.Fingerprint(), otherImage.Fingerprint());

            var otherEnvironment = ContainerSettings.FromJson(settings.ToJson());
            otherEnvironment.Config.Env = otherEnvironment.Config.Env.Select(e => e == "APP_MODE=production" ? "APP_MODE=staging" : e).ToList();
            Assert.NotEqual(settings.Fingerprint(), otherEnvironment.Fingerprint());

            // Env order is the daemon's business, not a change of deployment.
            var reordered = ContainerSettings.FromJson(settings.ToJson());
            reordered.Config.Env = reordered.Config.Env.Reverse().ToList();
            Assert.Equal(settings.Fingerprint(), reordered.Fingerprint());
        }

        [Fact]
        public async Task Create_parameters_put_the_secret_back_from_the_values_given()
        {
            var settings = await CaptureAsync();

            var parameters = settings.ToCreateParameters(settings.ImageId, new Dictionary<string, string> { ["API_TOKEN"] = "from-the-old-container" });

            Assert.Equal(settings.ImageId, parameters.Image);
            Assert.Contains("API_TOKEN=from-the-old-container", parameters.Env);
            Assert.Contains("APP_MODE=production", parameters.Env);
            // A secret with no value given is left out, not written empty.
            Assert.DoesNotContain(parameters.Env, e => e.StartsWith("DB_PASSWORD", System.StringComparison.Ordinal));
            Assert.Equal("none", parameters.HostConfig.NetworkMode);
            Assert.Null(parameters.NetworkingConfig);
        }
    }
}
