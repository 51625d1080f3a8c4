using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Containers;
using Xunit;

namespace OpsRunbook.Tests.Containers
{
    /// <summary>
    /// The Image step of a rollback, on the test bed's dockerd: a container captured on release 1 (the bed's image), then
    /// "deployed" on release 2 (an image committed here), is created again on release 1 with its settings and with the
    /// secret of the container it replaces. The Engine API itself (Docker.DotNet) is the witness.
    /// </summary>
    public sealed class ContainerRecreatorTests : IAsyncLifetime
    {
        private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

        private readonly TestContainers _containers = new();
        private string _release2 = string.Empty;

        public async Task InitializeAsync()
        {
            var builder = await _containers.CreateAsync("build", "true", start: false);
            _release2 = await _containers.CommitAsync(builder, "api", "v2");
        }

        public Task DisposeAsync() => _containers.DisposeAsync().AsTask();

        /// <summary>A service on release 1 whose settings are recorded, then replaced by a deployment of release 2 (same secret, other mode).</summary>
        private async Task<(string Container, ContainerSettings Recorded, string Deployed)> DeployedOverAsync(string name)
        {
            var container = await _containers.CreateAsync(name, TestContainers.GracefulLoop, environment: ContainerSettingsTests.ServiceEnvironment("production"));
            ContainerSettings recorded;
            using (var docker = _containers.Connect())
            {
                recorded = await new ContainerRecreator(docker, Env.None).CaptureAsync(container, CancellationToken.None);
            }

            await _containers.Client.Containers.RemoveContainerAsync(container, new ContainerRemoveParameters { Force = true });
            await _containers.CreateAsync(name, TestContainers.GracefulLoop, environment: ContainerSettingsTests.ServiceEnvironment("v2"), image: _release2);
            var deployed = (await _containers.Client.Containers.InspectContainerAsync(container)).ID;
            return (container, recorded, deployed);
        }

        private async Task<bool> RecreateAsync(ContainerSettings settings, RecordingReporter? reporter = null, Func<string, string?>? environment = null)
        {
            using var docker = _containers.Connect();
            return await new ContainerRecreator(docker, environment ?? Env.None).RecreateAsync(settings, Grace, reporter ?? new RecordingReporter(), CancellationToken.None);
        }

        private async Task<ContainerInspectResponse?> InspectOrNullAsync(string container)
        {
            try
            {
                return await _containers.Client.Containers.InspectContainerAsync(container);
            }
            catch (DockerContainerNotFoundException)
            {
                return null;
            }
        }

        private static bool HasSecret(ContainerInspectResponse container, string variable) =>
            container.Config.Env.Contains($"{variable}={TestBed.Password}");

        [Fact]
        public async Task Recreates_on_the_recorded_image_with_its_settings_and_the_running_secret_then_does_nothing_twice()
        {
            var (container, recorded, deployed) = await DeployedOverAsync("api");
            var reporter = new RecordingReporter();

            Assert.True(await RecreateAsync(recorded, reporter));

            var now = (await InspectOrNullAsync(container))!;
            Assert.NotEqual(deployed, now.ID);
            Assert.Equal(recorded.ImageId, now.Image);
            Assert.NotEqual(_release2, now.Image);
            Assert.Equal(TestBed.DockerImage, now.Config.Image);
            Assert.True(now.Config.Env.Contains("APP_MODE=production"), "the recreated container lacks APP_MODE=production");
            Assert.True(HasSecret(now, "API_TOKEN") && HasSecret(now, "DB_PASSWORD"), "the recreated container lacks the secrets of the one it replaced");
            Assert.Equal("none", now.HostConfig.NetworkMode);
            // Left stopped, for the stack start; the replaced one is gone.
            Assert.Equal("created", now.State.Status);
            Assert.Null(await InspectOrNullAsync(container + ".replaced"));
            Assert.Null(await InspectOrNullAsync(deployed));
            Assert.All(reporter.Verboses, SecretAssert.Absent);

            Assert.False(await RecreateAsync(recorded));
            Assert.Equal(now.ID, (await InspectOrNullAsync(container))!.ID);
        }

        [Fact]
        public async Task An_image_no_longer_on_the_daemon_is_ImageNotFound_and_the_running_container_is_untouched()
        {
            var (container, recorded, deployed) = await DeployedOverAsync("gone");
            var missing = ContainerSettings.FromJson(recorded.ToJson());
            missing.ImageId = "sha256:" + new string('e', 64);
            missing.ImageName = _containers.Prefix + "-never-built:v0";

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => RecreateAsync(missing));

            Assert.Equal("ImageNotFound", ex.ErrorId);
            Assert.Equal(FailureCategory.ObjectNotFound, ex.Category);
            Assert.Contains(missing.ImageId, ex.Message);
            SecretAssert.Absent(ex);
            var still = (await InspectOrNullAsync(container))!;
            Assert.Equal(deployed, still.ID);
            Assert.Equal("running", still.State.Status);
            Assert.Null(await InspectOrNullAsync(container + ".replaced"));
        }

        [Fact]
        public async Task With_no_container_to_take_the_secret_from_it_comes_from_the_environment_or_nothing_is_created()
        {
            var (container, recorded, _) = await DeployedOverAsync("fresh");
            await _containers.Client.Containers.RemoveContainerAsync(container, new ContainerRemoveParameters { Force = true });

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => RecreateAsync(recorded));

            Assert.Equal("ContainerSecretMissing", ex.ErrorId);
            Assert.Contains("API_TOKEN", ex.Message);
            SecretAssert.Absent(ex);
            Assert.Null(await InspectOrNullAsync(container));

            Assert.True(await RecreateAsync(recorded, environment: Env.Of(("API_TOKEN", TestBed.Password), ("DB_PASSWORD", TestBed.Password))));
            var created = (await InspectOrNullAsync(container))!;
            Assert.Equal(recorded.ImageId, created.Image);
            Assert.True(HasSecret(created, "API_TOKEN") && HasSecret(created, "DB_PASSWORD"), "the secrets of the session's environment were not given to the container");
        }

        [Fact]
        public async Task A_create_the_daemon_refuses_puts_the_replaced_container_back_under_its_name()
        {
            var (container, recorded, deployed) = await DeployedOverAsync("refused");
            var refused = ContainerSettings.FromJson(recorded.ToJson());
            // The daemon refuses a bind whose target is not absolute when the container is created.
            refused.HostConfig.Binds = new List<string> { "/tmp:not-absolute" };

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => RecreateAsync(refused));

            SecretAssert.Absent(ex);
            var back = await InspectOrNullAsync(container);
            Assert.True(back is not null, $"no container is named {container} after the failed create: {ex.Message}");
            Assert.Equal(deployed, back!.ID);
            Assert.Equal(_release2, back.Image);
            Assert.True(HasSecret(back, "API_TOKEN"), "the container put back lost its secret");
            Assert.Null(await InspectOrNullAsync(container + ".replaced"));

            // And the rollback run again does it.
            Assert.True(await RecreateAsync(recorded));
            Assert.Equal(recorded.ImageId, (await InspectOrNullAsync(container))!.Image);
        }

        [Fact]
        public async Task A_run_killed_after_setting_the_old_container_aside_is_finished_by_the_next_with_its_secret()
        {
            var (container, recorded, deployed) = await DeployedOverAsync("killed");
            // What a run killed between the rename and the create leaves: the old container aside, none under the name.
            await _containers.Client.Containers.StopContainerAsync(container, new ContainerStopParameters { WaitBeforeKillSeconds = 2 });
            await _containers.Client.Containers.RenameContainerAsync(deployed, new ContainerRenameParameters { NewName = container + ".replaced" }, CancellationToken.None);

            // No secret in this session's environment: it comes from the container set aside.
            Assert.True(await RecreateAsync(recorded));

            var created = (await InspectOrNullAsync(container))!;
            Assert.Equal(recorded.ImageId, created.Image);
            Assert.True(HasSecret(created, "API_TOKEN") && HasSecret(created, "DB_PASSWORD"), "the secrets of the container set aside were not carried over");
            Assert.Null(await InspectOrNullAsync(container + ".replaced"));
        }
    }
}
