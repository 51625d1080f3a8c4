using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Database.Backup;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Redis;
using OpsRunbook.Engine.Stacks;

namespace OpsRunbook.Engine.Rollback
{
    /// <param name="Root">The folder of restore points, where the safety point and the journal go.</param>
    /// <param name="Components">What to put back; empty for everything the point and the inventory both have.</param>
    /// <param name="Jobs">pg_restore -j for each database.</param>
    public sealed record RollbackRequest(RollbackPoint Point, RollbackStack Stack, string Root, IReadOnlyCollection<RollbackComponent> Components,
        int Jobs, TimeSpan ReadyTimeout, TimeSpan DrainTimeout);

    public enum RollbackPhase
    {
        Verify,
        Safety,
        Stop,
        Data,
        Config,
        Image,
        Start,
    }

    /// <summary>One step of a rollback's plan: what -WhatIf shows and what the run then does, in this order.</summary>
    public sealed record RollbackPlanStep(int Number, RollbackPhase Phase, RollbackComponent? Component, string Service, string Action, string Detail,
        RollbackManifest.Item? Item = null);

    /// <summary>
    /// Invoke-Rollback's engine. Verifies the whole point, takes a safety point of the current state, drains and
    /// stops the application tier, puts back the databases and Redis data (all at once), the configuration files
    /// and the container images, then starts the stack in dependency order and waits for it to be healthy. A
    /// failed step stops the run; what was and was not rolled back, and the safety point, are in the error.
    /// </summary>
    public sealed class RollbackRunner
    {
        private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(10);

        private readonly Func<string, string?> _environment;

        public RollbackRunner(Func<string, string?> environment)
        {
            _environment = environment;
        }

        /// <summary>The steps a rollback takes, checked against the inventory; reads only the point's manifest.</summary>
        public IReadOnlyList<RollbackPlanStep> Plan(RollbackRequest request)
        {
            var manifest = ReadManifest(request.Point);
            var stack = request.Stack;
            var inPoint = manifest.Items.Select(i => i.Component).Distinct().ToList();
            var inInventory = stack.Components();
            foreach (var component in request.Components)
            {
                if (!inInventory.Contains(component))
                {
                    throw new OpsRunbookException(RollbackErrors.RollbackComponentNotInInventory, FailureCategory.InvalidArgument,
                        $"The inventory '{stack.Inventory.Path}' has no {Describe(component)}, so there is no {component} to roll back.", component,
                        $"Leave {component} out of -Component; this inventory has {(inInventory.Count == 0 ? "none of them" : string.Join(", ", inInventory))}.");
                }

                if (!inPoint.Contains(component))
                {
                    throw new OpsRunbookException(RollbackErrors.RollbackComponentNotInPoint, FailureCategory.InvalidArgument,
                        $"The restore point {request.Point.Timestamp} holds no {component}.", component,
                        $"Leave {component} out of -Component; this point has {string.Join(", ", inPoint)}.");
                }
            }

            var components = request.Components.Count > 0 ? request.Components.ToHashSet() : inPoint.Intersect(inInventory).ToHashSet();
            var items = manifest.Items.Where(i => components.Contains(i.Component)).ToList();
            foreach (var item in items)
            {
                CheckFile(item, request.Point);
                CheckService(item, stack);
            }

            var steps = new List<RollbackPlanStep>();
            void Add(RollbackPhase phase, RollbackComponent? component, string service, string action, string detail, RollbackManifest.Item? item = null) =>
                steps.Add(new RollbackPlanStep(steps.Count + 1, phase, component, service, action, detail, item));

            Add(RollbackPhase.Verify, null, request.Point.Timestamp, "Verify the restore point", $"every checksum of {request.Point.Path}");
            Add(RollbackPhase.Safety, null, stack.Name, "Take a safety point", $"a restore point of the current state in {request.Root}, to roll forward to");
            if (stack.ApplicationTier.Count > 0)
            {
                Add(RollbackPhase.Stop, null, string.Join(", ", stack.ApplicationTier.Select(c => c.Service)), "Drain and stop the application tier",
                    $"{DrainTimeoutText(request.DrainTimeout)} to finish in-flight work");
            }

            foreach (var item in items.Where(i => i.Component == RollbackComponent.Database))
            {
                var into = stack.Databases.First(d => d.Service.Equals(item.Service, StringComparison.OrdinalIgnoreCase)).Connector.Connection.Database;
                Add(RollbackPhase.Data, item.Component, item.Service, "Restore the database",
                    $"{(string.IsNullOrEmpty(into) ? "the inventory's database" : into)} from {item.File}, the point's {item.Source} " +
                    $"(pg_restore -j {request.Jobs} into a scratch database from step 1 on; row counts; swap)", item);
            }

            foreach (var item in items.Where(i => i.Component == RollbackComponent.Redis))
            {
                Add(RollbackPhase.Data, item.Component, item.Service, "Restore the Redis data", $"{item.File} into the server's dir, server restarted", item);
            }

            foreach (var item in items.Where(i => i.Component == RollbackComponent.Config))
            {
                Add(RollbackPhase.Config, item.Component, item.Service, "Restore the file", $"{item.Source} (mode {item.Mode})", item);
            }

            foreach (var item in items.Where(i => i.Component == RollbackComponent.Image))
            {
                Add(RollbackPhase.Image, item.Component, item.Service, "Recreate the container", item.Detail, item);
            }

            Add(RollbackPhase.Start, null, stack.Name, "Start the stack and wait for health", "in dependency order");
            return steps;
        }

        public async IAsyncEnumerable<RollbackStep> RunAsync(RollbackRequest request, IReadOnlyList<RollbackPlanStep> plan, IOperationReporter reporter,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            using var running = RollbackJournal.Lock(request.Root, request.Stack.Name);
            await RedisRestoreRecovery.RepairContainersAsync(_environment, reporter, cancellationToken).ConfigureAwait(false);
            var earlier = RollbackJournal.Read(request.Root);
            if (earlier is not null)
            {
                reporter.Warning(earlier.Advice(request.Root));
            }

            var context = new RunContext(request, reporter, request.Stack.Replacing(plan.Where(s => s.Item is not null).Select(s => s.Item!).ToList()));
            var phases = plan.GroupBy(s => s.Phase).ToList();
            var finished = new List<RollbackStep>();
            try
            {
                for (var index = 0; index < phases.Count; index++)
                {
                    var phase = phases[index];
                    if (phase.Key == RollbackPhase.Data)
                    {
                        // The safety point is whole and the application tier stopped: the restored databases may go in.
                        context.SwapGate.TrySetResult();
                    }

                    reporter.Progress(new OperationProgress($"Rolling back {request.Stack.Name} to {request.Point.Timestamp}",
                        $"Step {phase.First().Number} of {plan.Count}: {phase.First().Action}", (phase.First().Number - 1) * 100 / plan.Count));
                    var (steps, failure) = await RunPhaseAsync(phase.Key, phase.ToList(), context, cancellationToken).ConfigureAwait(false);
                    foreach (var step in steps)
                    {
                        finished.Add(step);
                        yield return step;
                    }

                    if (failure is not null)
                    {
                        foreach (var step in plan.Where(s => s.Number > phase.Last().Number || (s.Phase == phase.Key && !steps.Any(d => d.Number == s.Number))))
                        {
                            yield return new RollbackStep(step.Number, step.Component, step.Service, step.Action, RollbackStepResult.NotRun) { Detail = step.Detail };
                        }

                        if (phase.Key == RollbackPhase.Start)
                        {
                            // Everything was put back: there is nothing left to finish, only a stack to look at.
                            RollbackJournal.Remove(request.Root);
                        }

                        throw Failed(request, context, plan, finished, failure);
                    }

                    if (context.Journal is { } journal)
                    {
                        journal.Done.AddRange(steps.Where(s => s.Component is not null).Select(s => $"{s.Component} {s.Service}"));
                        journal.Save(request.Root);
                    }

                    if (phase.Key == RollbackPhase.Verify)
                    {
                        StartDatabaseRestores(plan, context, cancellationToken);
                    }
                }
            }
            finally
            {
                await AbandonDatabaseRestoresAsync(context).ConfigureAwait(false);
            }

            reporter.Progress(new OperationProgress($"Rolling back {request.Stack.Name} to {request.Point.Timestamp}", "Done", 100, Completed: true));
            RollbackJournal.Remove(request.Root);
        }

        /// <summary>
        /// Once the point is verified, every database starts restoring into a scratch database, while the safety point
        /// is taken and the application tier drains: the restore is most of a rollback's time, and it touches nothing
        /// live until the swap, which waits for both.
        /// </summary>
        private void StartDatabaseRestores(IReadOnlyList<RollbackPlanStep> plan, RunContext context, CancellationToken cancellationToken)
        {
            context.Abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            foreach (var step in plan.Where(s => s.Phase == RollbackPhase.Data && s.Component == RollbackComponent.Database))
            {
                context.DatabaseRestores[step.Number] = RestoreDatabaseAsync(step.Item!, context, context.Abandon.Token);
            }
        }

        /// <summary>A rollback that ends before its data phase drops the scratch databases it started.</summary>
        private static async Task AbandonDatabaseRestoresAsync(RunContext context)
        {
            if (context.SwapGate.Task.IsCompletedSuccessfully)
            {
                return;
            }

            context.SwapGate.TrySetCanceled();
            context.Abandon?.Cancel();
            foreach (var restore in context.DatabaseRestores.Values)
            {
                try
                {
                    await restore.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Stopped on purpose: the step that failed is the one reported.
                }
            }

            context.Abandon?.Dispose();
        }

        private async Task<(List<RollbackStep> Steps, Exception? Failure)> RunPhaseAsync(RollbackPhase phase, IReadOnlyList<RollbackPlanStep> steps, RunContext context,
            CancellationToken cancellationToken)
        {
            // Data steps run at once; the rest in order.
            if (phase == RollbackPhase.Data)
            {
                var outcomes = await Task.WhenAll(steps.Select(s => RunStepAsync(s, context, cancellationToken))).ConfigureAwait(false);
                return (outcomes.Select(o => o.Step).ToList(), outcomes.Select(o => o.Failure).FirstOrDefault(f => f is not null));
            }

            var done = new List<RollbackStep>();
            foreach (var step in steps)
            {
                var outcome = await RunStepAsync(step, context, cancellationToken).ConfigureAwait(false);
                done.Add(outcome.Step);
                if (outcome.Failure is not null)
                {
                    return (done, outcome.Failure);
                }
            }

            return (done, null);
        }

        private async Task<(RollbackStep Step, Exception? Failure)> RunStepAsync(RollbackPlanStep step, RunContext context, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                var (result, detail) = await RunAsync(step, context, cancellationToken).ConfigureAwait(false);
                context.Reporter.Verbose($"Step {step.Number}, {step.Action} {step.Service}: {result}, {detail}.");
                return (new RollbackStep(step.Number, step.Component, step.Service, step.Action, result) { Duration = clock.Elapsed, Detail = detail }, null);
            }
            // Any failure, expected or not, stops the run with the report of what was and was not rolled back.
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var detail = ex is OperationCanceledException ? "stopped" : ex.Message;
                return (new RollbackStep(step.Number, step.Component, step.Service, step.Action, RollbackStepResult.Failed) { Duration = clock.Elapsed, Detail = detail }, ex);
            }
        }

        private async Task<(RollbackStepResult Result, string Detail)> RunAsync(RollbackPlanStep step, RunContext context, CancellationToken cancellationToken)
        {
            var request = context.Request;
            switch (step.Phase)
            {
                case RollbackPhase.Verify:
                    var verified = await RollbackPointCatalog.VerifyAsync(request.Point, context.Reporter, cancellationToken).ConfigureAwait(false);
                    if (verified.Verification != RollbackPointVerification.Valid)
                    {
                        throw new OpsRunbookException(verified.Verification == RollbackPointVerification.Corrupt ? RollbackErrors.RollbackPointCorrupt : RollbackErrors.RollbackPointIncomplete,
                            FailureCategory.InvalidData,
                            $"The restore point {request.Point.Path} is {verified.Verification}: {string.Join("; ", verified.Problems.Take(5))}. Nothing was changed.",
                            request.Point.Path, "Roll back to another point (Get-RollbackPoint -Verify shows which are Valid).");
                    }

                    return (RollbackStepResult.Done, $"{request.Point.Items.Length} items, every checksum matches");

                case RollbackPhase.Safety:
                    var safety = await new RollbackPointWriter(_environment).WriteAsync(context.Replaced, request.Root, $"safety point before the rollback to {request.Point.Timestamp}", request.Point.Timestamp, null, context.Reporter, cancellationToken)
                        .ConfigureAwait(false);
                    context.Safety = safety;
                    context.Journal = new RollbackJournal { Point = request.Point.Timestamp, Safety = safety.Timestamp, Inventory = request.Stack.Inventory.Path, StartedAt = DateTimeOffset.UtcNow };
                    context.Journal.Save(request.Root);
                    return (RollbackStepResult.Done, $"safety point {safety.Timestamp}, {safety.Items.Length} items");

                case RollbackPhase.Stop:
                    var stopped = new List<string>();
                    using (var docker = DockerConnection.Open(request.Stack.Inventory.DockerHost, _environment))
                    {
                        var plan = StackPlanOf(request.Stack).Keep(s => request.Stack.ApplicationTier.Any(c => c.Service.Equals(s.Name, StringComparison.OrdinalIgnoreCase)));
                        await foreach (var stop in new StackRunner(docker, new HealthChecker(HealthChecker.DefaultTimeout, 16))
                            .StopAsync(plan, request.DrainTimeout, GracePeriod, context.Reporter, cancellationToken).ConfigureAwait(false))
                        {
                            stopped.Add($"{stop.Service} {stop.Detail}");
                        }
                    }

                    return (RollbackStepResult.Done, string.Join("; ", stopped));

                case RollbackPhase.Data when step.Component == RollbackComponent.Database:
                    return await (context.DatabaseRestores.TryGetValue(step.Number, out var early) ? early : RestoreDatabaseAsync(step.Item!, context, cancellationToken))
                        .ConfigureAwait(false);

                case RollbackPhase.Data:
                    var redis = request.Stack.Redis.First(r => r.Name.Equals(step.Service, StringComparison.OrdinalIgnoreCase));
                    var restored = await new RedisSnapshotRestorer(_environment).RestoreAsync(redis, Path.Combine(request.Point.Path, step.Item!.File), request.ReadyTimeout,
                        context.Reporter, cancellationToken).ConfigureAwait(false);
                    return (RollbackStepResult.Done, $"{restored.Keys} keys loaded");

                case RollbackPhase.Config:
                    return await RestoreFileAsync(step.Item!, request.Point.Path, cancellationToken).ConfigureAwait(false);

                case RollbackPhase.Image:
                    var settings = ContainerSettings.FromJson(await File.ReadAllTextAsync(Path.Combine(request.Point.Path, step.Item!.File), cancellationToken).ConfigureAwait(false));
                    using (var docker = DockerConnection.Open(request.Stack.Inventory.DockerHost, _environment))
                    {
                        var recreated = await new ContainerRecreator(docker, _environment).RecreateAsync(settings, GracePeriod, context.Reporter, cancellationToken).ConfigureAwait(false);
                        return recreated
                            ? (RollbackStepResult.Done, $"{settings.Name} recreated on {settings.ImageName} ({settings.ImageId})")
                            : (RollbackStepResult.Unchanged, $"{settings.Name} runs {settings.ImageName} with its recorded settings");
                    }

                default:
                    var started = new List<string>();
                    using (var docker = DockerConnection.Open(request.Stack.Inventory.DockerHost, _environment))
                    {
                        await foreach (var start in new StackRunner(docker, new HealthChecker(HealthChecker.DefaultTimeout, 16))
                            .StartAsync(StackPlanOf(request.Stack), request.ReadyTimeout, context.Reporter, cancellationToken).ConfigureAwait(false))
                        {
                            if (start.Action == StackAction.Wait)
                            {
                                started.Add($"{start.Service} ready in {start.Duration.TotalSeconds:0.0} s");
                            }
                        }
                    }

                    return (RollbackStepResult.Done, string.Join("; ", started));
            }
        }

        private async Task<(RollbackStepResult, string)> RestoreDatabaseAsync(RollbackManifest.Item item, RunContext context, CancellationToken cancellationToken)
        {
            // Into the database the inventory names, never the one the point recorded: a DR test with a scratch inventory
            // restores into the scratch stack's database and leaves the point's own alone.
            var database = context.Request.Stack.Databases.First(d => d.Service.Equals(item.Service, StringComparison.OrdinalIgnoreCase));
            var target = await database.Connector.DatabaseNameAsync(cancellationToken).ConfigureAwait(false);
            var result = await new DatabaseRestorer(database.Connector, _environment).RestoreAsync(
                new RestoreRequest(Path.Combine(context.Request.Point.Path, item.File), target, context.Request.Jobs, null, AllowUnverified: false, NoOwner: false),
                (_, _, _) => Task.FromResult(true), context.Reporter, cancellationToken, gate => context.SwapGate.Task.WaitAsync(gate)).ConfigureAwait(false);
            return (RollbackStepResult.Done,
                $"{result!.TargetDatabase}: {result.Tables.Length} tables, row counts {(result.RowCountsVerified ? "match" : "not checked")}, {result.SessionsEnded} sessions ended");
        }

        private static async Task<(RollbackStepResult, string)> RestoreFileAsync(RollbackManifest.Item item, string pointPath, CancellationToken cancellationToken)
        {
            var source = Path.Combine(pointPath, item.File);
            var target = item.Source!;
            var mode = (UnixFileMode)Convert.ToInt32(item.Mode ?? "644", 8);
            if (File.Exists(target) && await ChecksumFile.ComputeAsync(target, cancellationToken).ConfigureAwait(false) == await ChecksumFile.ComputeAsync(source, cancellationToken).ConfigureAwait(false)
                && FileModes.Get(target) == mode)
            {
                return (RollbackStepResult.Unchanged, $"{target} is as the point has it");
            }

            // Copied beside the file and renamed over it: the file is the old one or the new one, never half of either.
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.rollback-{Guid.NewGuid():N}");
            try
            {
                File.Copy(source, temporary);
                FileModes.Set(temporary, mode);
                File.Move(temporary, target, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }

            return (RollbackStepResult.Done, $"{target} put back (mode {item.Mode})");
        }

        private StackPlan StackPlanOf(RollbackStack stack) =>
            StackPlan.Create(stack.Name, new ServiceStack(stack.Inventory, _environment).Services(), Array.Empty<string>(), withDependencies: true);

        private static OpsRunbookException Failed(RollbackRequest request, RunContext context, IReadOnlyList<RollbackPlanStep> plan, IReadOnlyList<RollbackStep> finished,
            Exception failure)
        {
            var failed = finished.First(s => s.Result == RollbackStepResult.Failed);
            var done = finished.Where(s => s.Component is not null && s.Result is RollbackStepResult.Done or RollbackStepResult.Unchanged).Select(s => $"{s.Component} {s.Service}").ToList();
            var notDone = plan.Where(s => s.Component is not null && !done.Contains($"{s.Component} {s.Service}")).Select(s => $"{s.Component} {s.Service}").ToList();
            var reason = failure is OperationCanceledException ? "it was stopped" : failure.Message;
            string message;
            string advice;
            if (context.Safety is null)
            {
                message = $"The rollback of {request.Stack.Name} to {request.Point.Timestamp} stopped at step {failed.Number} ({failed.Action}) before changing anything: {reason}";
                advice = failure is OpsRunbookException known ? known.RecommendedAction ?? "Fix what the message says and run it again." : "Run it again.";
            }
            else if (notDone.Count == 0)
            {
                message = $"Every component of {request.Stack.Name} was put back as the restore point {request.Point.Timestamp} has it, but the stack did not become healthy: {reason} " +
                    $"The state before the rollback is in the safety point {context.Safety.Timestamp} ({context.Safety.Path}).";
                advice = failure is OpsRunbookException known ? known.RecommendedAction ?? "Look at the service named." : "Look at the services of the stack.";
            }
            else
            {
                message = $"The rollback of {request.Stack.Name} to {request.Point.Timestamp} stopped at step {failed.Number} ({failed.Action} {failed.Service}): {reason} " +
                    $"Rolled back: {(done.Count == 0 ? "nothing" : string.Join(", ", done))}. Not rolled back: {(notDone.Count == 0 ? "nothing" : string.Join(", ", notDone))}. " +
                    $"The state before the rollback is in the safety point {context.Safety.Timestamp} ({context.Safety.Path}).";
                advice = $"Fix the cause, then run Invoke-Rollback -Timestamp {request.Point.Timestamp} again to finish, or Invoke-Rollback -Timestamp {context.Safety.Timestamp} to return to the state before it.";
            }

            var (errorId, category) = failure is OpsRunbookException { ErrorId: RollbackErrors.RollbackPointCorrupt or RollbackErrors.RollbackPointIncomplete } invalid
                ? (invalid.ErrorId, invalid.Category)
                : (RollbackErrors.RollbackFailed, failure is OperationCanceledException ? FailureCategory.OperationStopped : FailureCategory.InvalidOperation);
            return new OpsRunbookException(errorId, category, message, request.Point.Timestamp, advice, failure);
        }

        private static RollbackManifest ReadManifest(RollbackPoint point)
        {
            try
            {
                return RollbackManifest.Read(point.Path) ?? throw new OpsRunbookException(RollbackErrors.RollbackPointIncomplete, FailureCategory.InvalidData,
                    $"The restore point {point.Path} has no {RollbackManifest.FileName}.", point.Path, "Roll back to another point (Get-RollbackPoint -Verify shows which are Valid).");
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                throw new OpsRunbookException(RollbackErrors.RollbackPointCorrupt, FailureCategory.InvalidData,
                    $"The restore point {point.Path} has a {RollbackManifest.FileName} that cannot be read: {ex.Message}", point.Path,
                    "Roll back to another point (Get-RollbackPoint -Verify shows which are Valid).", ex);
            }
        }

        // A manifest is data, not instructions: the files it names are read from inside the point's own folder only.
        private static void CheckFile(RollbackManifest.Item item, RollbackPoint point)
        {
            var folder = Path.GetFullPath(point.Path).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
            if (string.IsNullOrEmpty(item.File) || Path.IsPathRooted(item.File) || !Path.GetFullPath(Path.Combine(folder, item.File)).StartsWith(folder, StringComparison.Ordinal))
            {
                throw new OpsRunbookException(RollbackErrors.RollbackPointCorrupt, FailureCategory.SecurityError,
                    $"The restore point {point.Path} names the file '{item.File}' for {item.Component} {item.Service}, which is not inside the point. Nothing was changed.",
                    point.Path, "Roll back to another point (Get-RollbackPoint -Verify shows which are Valid); this one was not written by New-RollbackPoint as it is.");
            }
        }

        private static void CheckService(RollbackManifest.Item item, RollbackStack stack)
        {
            var known = item.Component switch
            {
                RollbackComponent.Database => stack.Databases.Any(d => d.Service.Equals(item.Service, StringComparison.OrdinalIgnoreCase)),
                RollbackComponent.Redis => stack.Redis.Any(r => r.Name.Equals(item.Service, StringComparison.OrdinalIgnoreCase)),
                RollbackComponent.Image => stack.Containers.Any(c => c.Service.Equals(item.Service, StringComparison.OrdinalIgnoreCase)),
                _ => true,
            };
            if (!known)
            {
                throw new OpsRunbookException(RollbackErrors.RollbackServiceNotInInventory, FailureCategory.InvalidArgument,
                    $"The restore point holds {item.Component} of the service '{item.Service}', which the inventory '{stack.Inventory.Path}' has no {Describe(item.Component)} named so.",
                    item.Service, "Use the inventory the point was taken with, or leave that component out with -Component.");
            }

            // Files and containers are put back where the point found them: given another stack's inventory (a DR
            // test on a scratch stack), that would be the first stack's, so those are refused, not written.
            var elsewhere = item.Component switch
            {
                RollbackComponent.Config => !stack.Configuration.Contains(item.Source, StringComparer.Ordinal),
                RollbackComponent.Image => !stack.Containers.Any(c => c.Service.Equals(item.Service, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(c.Container, item.Source, StringComparison.Ordinal)),
                _ => false,
            };
            if (elsewhere)
            {
                throw new OpsRunbookException(RollbackErrors.RollbackTargetNotInInventory, FailureCategory.InvalidArgument,
                    $"The restore point puts back {(item.Component == RollbackComponent.Config ? "the file" : "the container")} '{item.Source}', which the inventory '{stack.Inventory.Path}' does not list, so it belongs to another stack.",
                    item.Source, "Use the inventory the point was taken with; to restore the data into another stack (a DR test), give -Component Database, Redis.");
            }
        }

        private static string Describe(RollbackComponent component) => component switch
        {
            RollbackComponent.Database => "Postgres service",
            RollbackComponent.Redis => "Redis service",
            RollbackComponent.Config => "Configuration files",
            _ => "service with a Container",
        };

        private static string DrainTimeoutText(TimeSpan drain) => $"{drain.TotalSeconds:0} s";

        private sealed class RunContext
        {
            public RunContext(RollbackRequest request, IOperationReporter reporter, RollbackStack replaced)
            {
                Request = request;
                Reporter = reporter;
                Replaced = replaced;
            }

            /// <summary>What the rollback replaces, and so what its safety point holds.</summary>
            public RollbackStack Replaced { get; }

            public RollbackRequest Request { get; }

            public IOperationReporter Reporter { get; }

            public RollbackPoint? Safety { get; set; }

            public RollbackJournal? Journal { get; set; }

            /// <summary>The database restores started early, by plan step number.</summary>
            public Dictionary<int, Task<(RollbackStepResult, string)>> DatabaseRestores { get; } = new();

            /// <summary>Opened when the data phase begins; until then no restored database is swapped in.</summary>
            public TaskCompletionSource SwapGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public CancellationTokenSource? Abandon { get; set; }
        }
    }
}
