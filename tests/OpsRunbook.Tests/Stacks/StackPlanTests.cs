using System;
using System.Linq;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Stacks;
using Xunit;

namespace OpsRunbook.Tests.Stacks
{
    public class StackPlanTests
    {
        private static StackService Service(string name, params string[] dependsOn) => new(name, new[] { name + "-1" }, dependsOn, null);

        // Seed 003's shape: data tier, then the services that need it, then the edge.
        private static readonly StackService[] Rag =
        {
            Service("gateway", "orchestrator"),
            Service("orchestrator", "postgres", "redis", "qdrant"),
            Service("postgres"),
            Service("redis"),
            Service("qdrant"),
            Service("worker", "redis"),
        };

        [Fact]
        public void Orders_services_in_levels_after_their_dependencies()
        {
            var plan = StackPlan.Create("rag", Rag, Array.Empty<string>(), withDependencies: true);

            Assert.Equal(new[] { new[] { "postgres", "qdrant", "redis" }, new[] { "orchestrator", "worker" }, new[] { "gateway" } },
                plan.Levels.Select(l => l.Select(s => s.Name).OrderBy(n => n).ToArray()).ToArray());
        }

        [Fact]
        public void Selecting_a_service_takes_its_dependencies_when_asked()
        {
            var with = StackPlan.Create("rag", Rag, new[] { "worker" }, withDependencies: true);
            var without = StackPlan.Create("rag", Rag, new[] { "worker" }, withDependencies: false);

            Assert.Equal(new[] { "redis", "worker" }, with.Services.Select(s => s.Name));
            Assert.Equal(new[] { "worker" }, without.Services.Select(s => s.Name));
        }

        [Fact]
        public void Wildcards_select_and_an_unknown_name_is_ServiceNotFound()
        {
            Assert.Equal(new[] { "postgres" }, StackPlan.Create("rag", Rag, new[] { "post*" }, false).Services.Select(s => s.Name));

            var ex = Assert.Throws<OpsRunbookException>(() => StackPlan.Create("rag", Rag, new[] { "mongo" }, true));
            Assert.Equal("ServiceNotFound", ex.ErrorId);
            Assert.Contains("gateway, orchestrator, postgres", ex.Message);
        }

        [Fact]
        public void A_dependency_cycle_is_an_error_naming_the_services()
        {
            var ex = Assert.Throws<OpsRunbookException>(() =>
                StackPlan.Create("loop", new[] { Service("a", "b"), Service("b", "a"), Service("c") }, Array.Empty<string>(), true));

            Assert.Equal("StackDependencyCycle", ex.ErrorId);
            Assert.Contains("a, b", ex.Message);
        }

        [Fact]
        public void A_dependency_on_a_service_without_containers_holds_nothing_back()
        {
            var plan = StackPlan.Create("x", new[] { Service("api", "external-db") }, Array.Empty<string>(), true);

            Assert.Equal(new[] { "api" }, plan.Services.Select(s => s.Name));
        }

        [Fact]
        public void Compose_labels_become_services_with_all_their_replicas()
        {
            var containers = new[]
            {
                new ServiceContainer("1", "p-api-1") { Project = "p", Service = "api", DependsOn = new[] { "db" } },
                new ServiceContainer("2", "p-api-2") { Project = "p", Service = "api", DependsOn = new[] { "db" } },
                new ServiceContainer("3", "p-db-1") { Project = "p", Service = "db" },
                new ServiceContainer("4", "lonely"),
            };

            var services = StackPlan.FromCompose(containers);

            Assert.Equal(new[] { "p-api-1", "p-api-2" }, services.Single(s => s.Name == "api").Containers);
            Assert.Equal(new[] { "db" }, services.Single(s => s.Name == "api").DependsOn);
            Assert.Equal(2, services.Count);
        }

        [Fact]
        public void Keep_drops_services_and_empty_levels()
        {
            var plan = StackPlan.Create("rag", Rag, Array.Empty<string>(), true).Keep(s => s.Name != "gateway");

            Assert.Equal(2, plan.Levels.Count);
        }
    }
}
