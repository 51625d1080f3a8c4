using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Containers;
using Xunit;

namespace OpsRunbook.Tests.Containers
{
    public sealed class ContainerCatalogTests : IAsyncLifetime
    {
        private readonly TestContainers _containers = new();
        private string _project = string.Empty;

        public async Task InitializeAsync()
        {
            _project = _containers.Prefix;
            await _containers.CreateAsync("db", TestContainers.GracefulLoop, _project, "db", healthCommand: "true");
            await _containers.CreateAsync("api", TestContainers.GracefulLoop, _project, "api", dependsOn: "db:service_healthy:false,cache:service_started:true");
            await _containers.CreateAsync("worker", TestContainers.GracefulLoop, _project, "worker", start: false);
        }

        public Task DisposeAsync() => _containers.DisposeAsync().AsTask();

        [Fact]
        public async Task Finds_the_running_containers_of_a_project_by_its_compose_labels()
        {
            using var docker = _containers.Connect();

            var found = await new ContainerCatalog(docker).FindAsync(new ContainerQuery(_project, Array.Empty<string>(), Array.Empty<string>(), false), CancellationToken.None);

            Assert.Equal(new[] { "api", "db" }, found.Select(c => c.Service));
            Assert.All(found, c => Assert.Equal(_project, c.Project));
            Assert.All(found, c => Assert.Equal(ContainerState.Running, c.State));
            Assert.All(found, c => Assert.Equal(TestBed.DockerHost, c.DockerHost));
            var api = found.Single(c => c.Service == "api");
            Assert.Equal(new[] { "db", "cache" }, api.DependsOn);
            Assert.Equal($"{_project}-api", api.Name);
            Assert.Equal(TestContainers.Inspect(api.Name, "{{.Id}}")[..12], api.Id);
            Assert.NotNull(api.StartedAt);
            Assert.True(api.Uptime >= TimeSpan.Zero && api.Uptime < TimeSpan.FromMinutes(5));
            Assert.Equal(TestBed.DockerImage, api.Image);
        }

        [Fact]
        public async Task All_includes_stopped_containers()
        {
            using var docker = _containers.Connect();

            var found = await new ContainerCatalog(docker).FindAsync(new ContainerQuery(_project, Array.Empty<string>(), Array.Empty<string>(), true), CancellationToken.None);

            var worker = found.Single(c => c.Service == "worker");
            Assert.Equal(ContainerState.Created, worker.State);
            Assert.Null(worker.Uptime);
            Assert.Equal(3, found.Count);
        }

        [Fact]
        public async Task Reports_the_health_check_as_the_witness_sees_it()
        {
            using var docker = _containers.Connect();
            var catalog = new ContainerCatalog(docker);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            ServiceContainer db;
            do
            {
                db = await catalog.GetAsync($"{_project}-db", CancellationToken.None);
                await Task.Delay(200);
            }
            while (db.Health != ContainerHealthStatus.Healthy && DateTime.UtcNow < deadline);

            Assert.Equal(ContainerHealthStatus.Healthy, db.Health);
            Assert.Equal("healthy", TestContainers.Inspect(db.Name, "{{.State.Health.Status}}"));
            Assert.Equal(ContainerHealthStatus.None, (await catalog.GetAsync($"{_project}-api", CancellationToken.None)).Health);
        }

        [Fact]
        public async Task Finds_by_service_and_by_name_with_wildcards()
        {
            using var docker = _containers.Connect();
            var catalog = new ContainerCatalog(docker);

            var byService = await catalog.FindAsync(new ContainerQuery(_project, new[] { "d*" }, Array.Empty<string>(), false), CancellationToken.None);
            var byName = await catalog.FindAsync(new ContainerQuery(null, Array.Empty<string>(), new[] { $"{_project}-*" }, true), CancellationToken.None);

            Assert.Equal(new[] { "db" }, byService.Select(c => c.Service));
            Assert.Equal(3, byName.Count);
        }

        [Theory]
        [InlineData("name")]
        [InlineData("project")]
        [InlineData("service")]
        public async Task What_does_not_exist_is_ContainerNotFound_naming_it(string what)
        {
            using var docker = _containers.Connect();
            var query = what switch
            {
                "name" => new ContainerQuery(null, Array.Empty<string>(), new[] { "no-such-container-" + _project }, true),
                "project" => new ContainerQuery("no-such-project-" + _project, Array.Empty<string>(), Array.Empty<string>(), true),
                _ => new ContainerQuery(_project, new[] { "no-such-service" }, Array.Empty<string>(), true),
            };

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => new ContainerCatalog(docker).FindAsync(query, CancellationToken.None));

            Assert.Equal("ContainerNotFound", ex.ErrorId);
            Assert.Equal(FailureCategory.ObjectNotFound, ex.Category);
            Assert.Contains("no-such-", ex.Message);
        }

        [Fact]
        public async Task FindEach_reports_each_missing_name_and_returns_the_others()
        {
            using var docker = _containers.Connect();
            var missing = new System.Collections.Generic.List<string>();

            var found = await new ContainerCatalog(docker).FindEachAsync(
                new[] { $"{_project}-db", "ghost-" + _project, $"{_project}-api" }.Select(n => new ContainerQuery(null, Array.Empty<string>(), new[] { n }, true)),
                ex => missing.Add((string)ex.TargetObject!), CancellationToken.None);

            Assert.Equal(2, found.Count);
            Assert.Equal(new[] { "ghost-" + _project }, missing);
        }

        [Fact]
        public async Task An_unreachable_daemon_is_one_clear_error()
        {
            using var docker = DockerConnection.Open($"unix:///tmp/{_project}-missing.sock", _ => null);

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                new ContainerCatalog(docker).FindAsync(new ContainerQuery(null, Array.Empty<string>(), Array.Empty<string>(), true), CancellationToken.None));

            Assert.Equal("DockerUnavailable", ex.ErrorId);
            Assert.Equal(FailureCategory.ConnectionError, ex.Category);
            Assert.Contains($"the socket /tmp/{_project}-missing.sock does not exist", ex.Message);
        }

        [Theory]
        [InlineData("ftp://docker:2375")]
        [InlineData("not a uri")]
        public void A_docker_host_of_another_kind_is_InvalidDockerHost(string host)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => DockerConnection.Open(host, _ => null));

            Assert.Equal("InvalidDockerHost", ex.ErrorId);
        }

        [Fact]
        public void DOCKER_HOST_is_used_when_no_host_is_given()
        {
            using var docker = DockerConnection.Open(null, name => name == "DOCKER_HOST" ? "tcp://127.0.0.1:2375" : null);

            Assert.Equal("tcp://127.0.0.1:2375", docker.Host);
            using var fallback = DockerConnection.Open(null, _ => null);
            Assert.Equal(DockerConnection.DefaultHost, fallback.Host);
        }
    }
}
