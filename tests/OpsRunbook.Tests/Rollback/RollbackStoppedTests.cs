using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Rollback;
using OpsRunbook.Tests.Database;
using Xunit;

namespace OpsRunbook.Tests.Rollback
{
    /// <summary>
    /// A rollback stopped right after its safety point (Ctrl+C, or a kill): the error says what was and was not rolled
    /// back and names the safety point, the journal stays to say how to go on, and running it again finishes it.
    /// </summary>
    public sealed class RollbackStoppedTests : IClassFixture<RollbackFixture>
    {
        private readonly RollbackFixture _stack;

        public RollbackStoppedTests(RollbackFixture stack)
        {
            _stack = stack;
        }

        [Fact]
        public async Task Stopped_after_its_safety_point_it_says_how_to_go_on_and_a_second_run_finishes_it()
        {
            await Psql.QueryAsync("DELETE FROM accounts WHERE id > 10", TestDb.Superuser, _stack.Database);
            var journal = Path.Combine(_stack.Root, RollbackJournal.FileName);
            using var stop = new CancellationTokenSource();
            var steps = new List<RollbackStep>();
            var run = RollbackFixture.RollBackAsync(_stack.RollbackRequest(), steps, new RecordingReporter(), stop.Token);
            var clock = Stopwatch.StartNew();
            while (!File.Exists(journal) && !run.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(10);
            }

            stop.Cancel();
            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => run);

            var left = RollbackJournal.Read(_stack.Root);
            Assert.True(left is not null, $"no journal was left: {ex.Message}");
            Assert.Equal("RollbackFailed", ex.ErrorId);
            Assert.Equal(FailureCategory.OperationStopped, ex.Category);
            Assert.Equal(_stack.Point.Timestamp, left!.Point);
            Assert.Contains($"safety point {left.Safety}", ex.Message);
            Assert.Contains("Not rolled back:", ex.Message);
            Assert.Contains($"-Timestamp {_stack.Point.Timestamp} again to finish", ex.RecommendedAction);
            Assert.Contains($"-Timestamp {left.Safety} to return", ex.RecommendedAction);
            SecretAssert.Absent(ex);
            Assert.Equal(new[] { RollbackStepResult.Done, RollbackStepResult.Done }, steps.GetRange(0, 2).ConvertAll(s => s.Result));
            Assert.Contains(steps, s => s.Result == RollbackStepResult.Failed && s.Detail == "stopped");
            Assert.Equal(RollbackStepResult.NotRun, steps[^1].Result);

            // The safety point is whole: the state before the rollback can be had back.
            var safety = RollbackPointCatalog.Find(_stack.Root, left.Safety);
            Assert.Equal(_stack.Point.Timestamp, safety.SafetyFor);
            Assert.Equal(RollbackPointVerification.Valid, (await RollbackPointCatalog.VerifyAsync(safety, OperationReporter.None, CancellationToken.None)).Verification);
            Assert.Equal(0, RollbackFixture.Sha256SumCheck(safety.Path).ExitCode);

            // Run again as the error says: it warns of the journal, finishes, and removes it.
            var reporter = new RecordingReporter();
            var again = new List<RollbackStep>();
            await RollbackFixture.RollBackAsync(_stack.RollbackRequest(), again, reporter);

            Assert.Contains(reporter.Warnings, w => w.Contains($"safety point {left.Safety}", StringComparison.Ordinal));
            Assert.All(again, s => Assert.True(s.Result is RollbackStepResult.Done or RollbackStepResult.Unchanged, $"{s}: {s.Detail}"));
            Assert.False(File.Exists(journal), "the journal is still there after the rollback finished");
            Assert.Equal(RollbackFixture.Accounts, await Witness.CountAsync("accounts", _stack.Database));
            Assert.Equal(RollbackFixture.Keys.ToString(System.Globalization.CultureInfo.InvariantCulture), Redis.RedisCli.Run(_stack.Redis.Port, 0, "DBSIZE").Trim());
        }
    }
}
