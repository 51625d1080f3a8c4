using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using OpsRunbook.Engine.Rollback;
using Xunit;

namespace OpsRunbook.Tests.Rollback
{
    /// <summary>Invoke-Rollback -WhatIf: the plan of a real point against inventories that fit it and ones that do not. Nothing runs.</summary>
    public sealed class RollbackPlanTests : IClassFixture<RollbackFixture>
    {
        private readonly RollbackFixture _stack;

        public RollbackPlanTests(RollbackFixture stack)
        {
            _stack = stack;
        }

        private static OpsRunbookException Refused(RollbackPoint point, RollbackStack stack, params RollbackComponent[] components)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => Plan(point, stack, components));
            Assert.Equal(FailureCategory.InvalidArgument, ex.Category);
            SecretAssert.Absent(ex);
            return ex;
        }

        private static System.Collections.Generic.IReadOnlyList<RollbackPlanStep> Plan(RollbackPoint point, RollbackStack stack, params RollbackComponent[] components) =>
            new RollbackRunner(RollbackFixture.Environment).Plan(new RollbackRequest(point, stack, Path.GetDirectoryName(point.Path)!, components, 2,
                TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)));

        [Fact]
        public void The_plan_of_a_full_point_puts_back_everything_in_order_between_the_safety_point_and_the_start()
        {
            var steps = Plan(_stack.Point, _stack.Stack());

            Assert.Equal(Enumerable.Range(1, steps.Count), steps.Select(s => s.Number));
            Assert.Equal(new[]
            {
                "Verify  ", "Safety  ", "Stop  api", "Data Database postgres", "Data Redis redis", "Config Config docker-compose.yml", "Config Config .env",
                "Image Image redis", "Image Image api", "Start  shop",
            }, steps.Select(s => $"{s.Phase} {s.Component} {(s.Phase is RollbackPhase.Verify or RollbackPhase.Safety ? string.Empty : s.Service)}"));
            Assert.Contains("pg_restore -j 2", steps.Single(s => s.Component == RollbackComponent.Database).Detail);
            Assert.Contains("(mode 600)", steps.Single(s => s.Service == ".env").Detail);
            Assert.All(steps, s => SecretAssert.Absent($"{s.Action} {s.Detail}"));
        }

        [Fact]
        public void Only_the_components_asked_for_are_planned_and_those_the_inventory_lacks_are_left_out()
        {
            var config = Plan(_stack.Point, _stack.Stack(), RollbackComponent.Config);
            Assert.Equal(new[] { ".env", "docker-compose.yml" }, config.Where(s => s.Component is not null).Select(s => s.Service).Order(StringComparer.Ordinal));
            Assert.All(config.Where(s => s.Component is not null), s => Assert.Equal(RollbackComponent.Config, s.Component));

            // Without a Postgres service, the point's database is not planned: the inventory says what is there.
            var withoutDatabase = Plan(_stack.Point, _stack.Stack(postgres: null));
            Assert.DoesNotContain(withoutDatabase, s => s.Component is RollbackComponent.Database);
            Assert.Equal(new[] { "Redis redis", "Image redis", "Image api" },
                withoutDatabase.Where(s => s.Component is RollbackComponent.Redis or RollbackComponent.Image).Select(s => $"{s.Component} {s.Service}"));
        }

        [Fact]
        public void A_component_the_inventory_has_none_of_is_RollbackComponentNotInInventory()
        {
            var ex = Refused(_stack.Point, _stack.Stack(configuration: false), RollbackComponent.Config);

            Assert.Equal("RollbackComponentNotInInventory", ex.ErrorId);
            Assert.Equal(RollbackComponent.Config, ex.TargetObject);
            Assert.Equal("RollbackComponentNotInInventory", Refused(_stack.Point, _stack.Stack(postgres: null), RollbackComponent.Database).ErrorId);
        }

        [Fact]
        public async Task A_component_the_point_holds_none_of_is_RollbackComponentNotInPoint()
        {
            var root = Path.Combine(_stack.Folder, "plan-" + Guid.NewGuid().ToString("N")[..8]);
            var configOnly = await RollbackFixture.WriteAsync(_stack.Stack(postgres: null, redis: null, api: null), root);

            var ex = Refused(configOnly, _stack.Stack(), RollbackComponent.Config, RollbackComponent.Database);

            Assert.Equal("RollbackComponentNotInPoint", ex.ErrorId);
            Assert.Equal(RollbackComponent.Database, ex.TargetObject);
            Assert.Contains(configOnly.Timestamp, ex.Message);
        }

        [Theory]
        [InlineData("postgres")]
        [InlineData("redis")]
        [InlineData("api")]
        public void A_service_of_the_point_the_inventory_names_otherwise_is_RollbackServiceNotInInventory(string renamed)
        {
            var stack = _stack.Stack(postgres: renamed == "postgres" ? "db" : "postgres", redis: renamed == "redis" ? "cache" : "redis", api: renamed == "api" ? "web-api" : "api");

            var ex = Refused(_stack.Point, stack);

            Assert.Equal("RollbackServiceNotInInventory", ex.ErrorId);
            Assert.Equal(renamed, ex.TargetObject);
        }

        [Theory]
        [InlineData("../../../etc/passwd")]
        [InlineData("/etc/passwd")]
        [InlineData("database/../../outside.dump")]
        public void A_manifest_that_names_a_file_outside_its_point_is_refused(string file)
        {
            // A manifest is data: it may not send the restore to read (or write) anything outside the point.
            var copy = _stack.CopyPoint();
            var manifest = RollbackManifest.Read(copy)!;
            manifest.Items.First(i => i.Component == RollbackComponent.Database).File = file;
            File.WriteAllText(Path.Combine(copy, RollbackManifest.FileName), manifest.ToJson());

            var ex = Assert.Throws<OpsRunbookException>(() => Plan(RollbackPointCatalog.Describe(copy), _stack.Stack()));

            Assert.Equal("RollbackPointCorrupt", ex.ErrorId);
            Assert.Equal(FailureCategory.SecurityError, ex.Category);
            Assert.Contains("not inside the point", ex.Message);
        }

        [Fact]
        public async Task A_second_rollback_from_the_same_folder_is_refused_while_one_runs()
        {
            var root = Path.Combine(_stack.Folder, "busy-" + Guid.NewGuid().ToString("N")[..8]);
            using var running = RollbackJournal.Lock(root, "shop");
            var request = _stack.RollbackRequest(root: root);
            var runner = new RollbackRunner(RollbackFixture.Environment);

            var ex = await Assert.ThrowsAsync<OpsRunbookException>(async () =>
            {
                await foreach (var _ in runner.RunAsync(request, runner.Plan(request), new RecordingReporter(), System.Threading.CancellationToken.None))
                {
                }
            });

            Assert.Equal("RollbackInProgress", ex.ErrorId);
            Assert.Equal(FailureCategory.ResourceUnavailable, ex.Category);
            Assert.Equal(new[] { RollbackJournal.LockFileName }, Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
        }

        [Fact]
        public void A_point_whose_manifest_is_unreadable_or_missing_is_refused_before_planning()
        {
            var corrupt = _stack.CopyPoint();
            var point = RollbackPointCatalog.Describe(corrupt);
            File.WriteAllText(Path.Combine(corrupt, RollbackManifest.FileName), "{ not json");
            var ex = Assert.Throws<OpsRunbookException>(() => Plan(point, _stack.Stack()));
            Assert.Equal("RollbackPointCorrupt", ex.ErrorId);

            File.Delete(Path.Combine(corrupt, RollbackManifest.FileName));
            ex = Assert.Throws<OpsRunbookException>(() => Plan(point, _stack.Stack()));
            Assert.Equal("RollbackPointIncomplete", ex.ErrorId);
            SecretAssert.Absent(ex);
        }
    }
}
