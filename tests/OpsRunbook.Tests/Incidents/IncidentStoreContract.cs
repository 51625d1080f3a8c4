using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Stores;
using Xunit;

namespace OpsRunbook.Tests.Incidents
{
    /// <summary>
    /// What every incident store promises, run against each: the folder store and the PostgreSQL team store. The
    /// subclasses say how to make a fresh store and one that cannot be written.
    /// </summary>
    public abstract class IncidentStoreContract
    {
        /// <summary>A store no other test uses.</summary>
        protected abstract IIncidentStore NewStore();

        /// <summary>The same store as <paramref name="store"/>, opened again (as a second process or machine would).</summary>
        protected abstract IIncidentStore Reopen(IIncidentStore store);

        /// <summary>A store that cannot be written.</summary>
        protected abstract IIncidentStore UnwritableStore();

        protected static IReadOnlyList<IncidentEntry> Opening(string title) => new[]
        {
            new IncidentEntry(IncidentEventKind.Opened) { Title = title, Severity = IncidentSeverity.P1, EscalationPolicy = EscalationLevel.Default },
            new IncidentEntry(IncidentEventKind.ServiceAffected) { Service = "api", ServiceStatus = "Unhealthy", Error = "HTTP 503" },
        };

        protected static IncidentEntry Note(string text) => new(IncidentEventKind.Note) { Text = text, Author = "test" };

        [Fact]
        public async Task Opens_incidents_with_ids_of_the_day_and_reads_back_what_it_wrote()
        {
            var store = NewStore();
            var first = await store.OpenAsync(Opening("first"), CancellationToken.None);
            var second = await store.OpenAsync(Opening("second"), CancellationToken.None);

            Assert.Matches(@"^INC-\d{8}-\d{3,}$", first);
            Assert.NotEqual(first, second);
            Assert.Equal(first[..13], second[..13]);

            var entries = await Reopen(store).ReadAsync(first, CancellationToken.None);
            Assert.Equal(new long[] { 1, 2 }, entries.Select(e => e.Sequence));
            Assert.Equal("first", entries[0].Title);
            Assert.Equal(IncidentSeverity.P1, entries[0].Severity);
            Assert.Equal("HTTP 503", entries[1].Error);
            Assert.True(entries[1].Time > entries[0].Time);
            Assert.True(Math.Abs((entries[0].Time - DateTimeOffset.UtcNow).TotalMinutes) < 5, "the store stamps entries with the time of writing");
            Assert.Equal(4, entries[0].EscalationPolicy!.Length);

            var listed = await store.ListAsync(null, CancellationToken.None);
            Assert.Contains(first, listed);
            Assert.Contains(second, listed);
        }

        [Fact]
        public async Task Appends_return_the_stamped_entries_after_the_last_one()
        {
            var store = NewStore();
            var id = await store.OpenAsync(Opening("append"), CancellationToken.None);
            var stamped = await store.AppendAsync(id, new[] { Note("one"), Note("two") }, null, CancellationToken.None);

            Assert.Equal(new long[] { 3, 4 }, stamped.Select(e => e.Sequence));
            var entries = await store.ReadAsync(id, CancellationToken.None);
            Assert.Equal(new[] { "one", "two" }, entries.Skip(2).Select(e => e.Text));
            Assert.Equal(stamped.Select(e => e.Time), entries.Skip(2).Select(e => e.Time));
        }

        /// <summary>An action goes in and comes back whole: its command line, its start to the tick and its duration.</summary>
        [Fact]
        public async Task Keeps_an_action_entry_whole()
        {
            var store = NewStore();
            var id = await store.OpenAsync(Opening("action"), CancellationToken.None);
            var started = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567);
            var action = new IncidentEntry(IncidentEventKind.Action)
            {
                Command = "Restart-ServiceContainer", Parameters = "-Name api -Confirm:$false", StartedAt = started,
                Duration = TimeSpan.FromTicks(12_345_678), Text = "1 container: 1 Running (api-1 (Running))", Error = null, Author = "alice@host",
            };
            await store.AppendAsync(id, new[] { action }, null, CancellationToken.None);

            var read = (await Reopen(store).ReadAsync(id, CancellationToken.None)).Last();
            Assert.Equal(IncidentEventKind.Action, read.Kind);
            Assert.Equal(action.Command, read.Command);
            Assert.Equal(action.Parameters, read.Parameters);
            Assert.Equal(started, read.StartedAt);
            Assert.Equal(action.Duration, read.Duration);
            Assert.Equal(action.Text, read.Text);
            Assert.Null(read.Error);
        }

        /// <summary>The issue's contract: 10 writers adding 100 notes each to one incident leave exactly 1,000, in order of time.</summary>
        [Fact]
        public async Task Ten_writers_adding_a_hundred_notes_each_lose_none_and_keep_the_order_of_time()
        {
            var store = NewStore();
            var id = await store.OpenAsync(Opening("concurrency"), CancellationToken.None);
            var writers = Enumerable.Range(1, 10).Select(writer => Task.Run(async () =>
            {
                // Each writer opens the store on its own, as a runspace or another process would.
                var own = Reopen(store);
                for (var n = 1; n <= 100; n++)
                {
                    await own.AppendAsync(id, new[] { Note($"writer {writer} note {n}") }, null, CancellationToken.None);
                }
            })).ToArray();
            await Task.WhenAll(writers);

            var entries = await store.ReadAsync(id, CancellationToken.None);
            var notes = entries.Where(e => e.Kind == IncidentEventKind.Note).ToList();
            Assert.Equal(1000, notes.Count);
            Assert.Equal(1000, notes.Select(n => n.Text).Distinct().Count());
            Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
            for (var i = 1; i < entries.Count; i++)
            {
                Assert.True(entries[i].Time > entries[i - 1].Time, $"entry {entries[i].Sequence} is not later than the one before it");
            }

            // Each writer's own notes are in the order it wrote them.
            foreach (var writer in Enumerable.Range(1, 10))
            {
                var own = notes.Where(n => n.Text!.StartsWith($"writer {writer} note ", StringComparison.Ordinal))
                    .Select(n => int.Parse(n.Text!.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Assert.Equal(Enumerable.Range(1, 100), own);
            }
        }

        [Fact]
        public async Task Opens_at_the_same_moment_get_different_ids()
        {
            var store = NewStore();
            using var start = new ManualResetEventSlim();
            var openers = Enumerable.Range(1, 8).Select(n => Task.Run(async () =>
            {
                var own = Reopen(store);
                start.Wait();
                var ids = new List<string>();
                for (var i = 0; i < 5; i++)
                {
                    ids.Add(await own.OpenAsync(Opening($"opener {n} incident {i}"), CancellationToken.None));
                }

                return ids;
            })).ToArray();
            start.Set();
            var all = (await Task.WhenAll(openers)).SelectMany(ids => ids).ToList();

            Assert.Equal(40, all.Count);
            Assert.Equal(40, all.Distinct().Count());
            foreach (var id in all)
            {
                var entries = await store.ReadAsync(id, CancellationToken.None);
                Assert.Equal(IncidentEventKind.Opened, entries[0].Kind);
            }
        }

        [Fact]
        public async Task A_check_that_throws_leaves_the_log_as_it_was()
        {
            var store = NewStore();
            var id = await store.OpenAsync(Opening("checked"), CancellationToken.None);
            var refused = await Assert.ThrowsAsync<OpsRunbookException>(() => store.AppendAsync(id, new[] { Note("refused") },
                entries =>
                {
                    Assert.Equal(2, entries.Count);
                    throw new OpsRunbookException("Refused", FailureCategory.InvalidOperation, "refused");
                }, CancellationToken.None));

            Assert.Equal("Refused", refused.ErrorId);
            Assert.Equal(2, (await store.ReadAsync(id, CancellationToken.None)).Count);
        }

        [Fact]
        public async Task An_unknown_incident_is_IncidentNotFound_for_reads_and_appends()
        {
            var store = NewStore();
            var read = await Assert.ThrowsAsync<OpsRunbookException>(() => store.ReadAsync("INC-19990101-001", CancellationToken.None));
            var append = await Assert.ThrowsAsync<OpsRunbookException>(() => store.AppendAsync("INC-19990101-001", new[] { Note("x") }, null, CancellationToken.None));

            Assert.Equal("IncidentNotFound", read.ErrorId);
            Assert.Equal(FailureCategory.ObjectNotFound, read.Category);
            Assert.Equal("IncidentNotFound", append.ErrorId);
            Assert.Contains("INC-19990101-001", read.Message);
        }

        [Fact]
        public async Task An_id_that_could_be_a_path_is_refused()
        {
            var store = NewStore();
            var failure = await Assert.ThrowsAsync<OpsRunbookException>(() => store.ReadAsync("../etc/passwd", CancellationToken.None));
            Assert.Equal("InvalidIncidentId", failure.ErrorId);
        }

        [Fact]
        public async Task A_store_that_cannot_be_written_is_an_error_never_a_silent_drop()
        {
            var store = UnwritableStore();
            var failure = await Assert.ThrowsAsync<OpsRunbookException>(() => store.OpenAsync(Opening("lost?"), CancellationToken.None));

            Assert.Contains(failure.ErrorId, new[] { "IncidentStoreUnwritable", "ConnectionFailed", "AuthenticationFailed", "PermissionDenied" });
            Assert.Contains("Nothing was recorded", failure.Message, StringComparison.Ordinal);
            SecretAssert.Absent(failure);
        }

        [Fact]
        public async Task Lists_only_incidents_opened_since_a_time()
        {
            var store = NewStore();
            var old = await store.OpenAsync(Opening("old"), CancellationToken.None);
            var cut = (await store.ReadAsync(old, CancellationToken.None))[0].Time.AddTicks(10);
            await Task.Delay(20);
            var recent = await store.OpenAsync(Opening("recent"), CancellationToken.None);

            var listed = await store.ListAsync(cut, CancellationToken.None);
            Assert.Contains(recent, listed);
            // The folder store narrows by the day in the Id; the projection does the rest. Both must keep the recent one.
            var incidents = await new IncidentQuery(store).FindAsync(new IncidentFilter { Since = cut }, _ => { }, CancellationToken.None);
            Assert.Equal(new[] { recent }, incidents.Select(i => i.Id));
        }
    }
}
