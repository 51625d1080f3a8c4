using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using Xunit;

namespace OpsRunbook.Tests.Common
{
    public class FanOutTests
    {
        private static async Task<List<FanOutResult<int, string>>> All(IReadOnlyList<int> items, int throttle, FanOutOrder order,
            Func<int, CancellationToken, Task<string>> work, CancellationToken cancellationToken = default)
        {
            var results = new List<FanOutResult<int, string>>();
            await foreach (var result in FanOut.RunAsync(items, throttle, order, work, cancellationToken))
            {
                results.Add(result);
            }

            return results;
        }

        [Fact]
        public async Task Runs_at_most_the_throttle_limit_at_once_and_every_item_once()
        {
            var running = 0;
            var most = 0;
            var items = Enumerable.Range(0, 24).ToList();

            var results = await All(items, 3, FanOutOrder.AsCompleted, async (item, token) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                await Task.Delay(15, token);
                Interlocked.Decrement(ref running);
                return item.ToString();
            });

            Assert.Equal(3, most);
            Assert.Equal(items, results.Select(r => r.Item).OrderBy(i => i));
            Assert.All(results, r => Assert.Equal(r.Item.ToString(), r.Outcome.Result));
        }

        [Fact]
        public async Task As_given_keeps_the_order_of_the_items_and_as_completed_the_order_they_finish_in()
        {
            async Task<List<int>> Run(FanOutOrder order)
            {
                // The items finish last first, each only when the test says so.
                var gates = Enumerable.Range(0, 4).Select(_ => new TaskCompletionSource<string>()).ToArray();
                var reading = All(new[] { 0, 1, 2, 3 }, 4, order, (item, _) => gates[item].Task);
                foreach (var item in new[] { 3, 2, 1, 0 })
                {
                    gates[item].SetResult(item.ToString());
                }

                return (await reading).Select(r => r.Item).ToList();
            }

            Assert.Equal(new[] { 0, 1, 2, 3 }, await Run(FanOutOrder.AsGiven));
            Assert.Equal(new[] { 3, 2, 1, 0 }, await Run(FanOutOrder.AsCompleted));
        }

        [Fact]
        public async Task A_failed_item_is_its_own_outcome_and_the_others_go_on()
        {
            var results = await All(new[] { 1, 2, 3 }, 2, FanOutOrder.AsGiven, (item, _) => item == 2
                ? throw new OpsRunbookException("Broken", FailureCategory.InvalidData, "two is broken", item, "none")
                : Task.FromResult(item.ToString()));

            Assert.Equal(new[] { "1", null, "3" }, results.Select(r => r.Outcome.Result));
            Assert.Equal("Broken", results[1].Outcome.Failure!.ErrorId);
        }

        [Fact]
        public async Task Any_other_exception_ends_the_fan_out_and_cancels_what_still_runs()
        {
            var cancelled = 0;
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => All(new[] { 1, 2, 3 }, 3, FanOutOrder.AsCompleted, async (item, token) =>
            {
                if (item == 1)
                {
                    await Task.Delay(20, CancellationToken.None);
                    throw new InvalidOperationException("a bug");
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), token);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                    throw;
                }

                return item.ToString();
            }));

            Assert.Equal("a bug", failure.Message);
            Assert.Equal(2, cancelled);
        }

        [Fact]
        public async Task The_callers_cancellation_or_an_early_stop_leaves_nothing_running()
        {
            var running = 0;
            async Task<string> Long(int item, CancellationToken token)
            {
                Interlocked.Increment(ref running);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), token);
                    return item.ToString();
                }
                finally
                {
                    Interlocked.Decrement(ref running);
                }
            }

            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => All(Enumerable.Range(0, 8).ToList(), 4, FanOutOrder.AsCompleted, Long, cancel.Token));
            Assert.Equal(0, running);

            await foreach (var first in FanOut.RunAsync(new[] { 1, 2, 3 }, 3, FanOutOrder.AsCompleted,
                (item, token) => item == 1 ? Task.FromResult("quick") : Long(item, token), CancellationToken.None))
            {
                Assert.Equal("quick", first.Outcome.Result);
                break;
            }

            Assert.Equal(0, running);
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }
}
