using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Stores;
using Xunit;

namespace OpsRunbook.Tests.Incidents
{
    /// <summary>The store contract against the folder store, plus what only a folder can go through.</summary>
    public sealed class LocalIncidentStoreTests : IncidentStoreContract, IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "orb-incidents-" + Guid.NewGuid().ToString("N")[..8]);

        public void Dispose()
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }

        protected override IIncidentStore NewStore() => new LocalIncidentStore(Path.Combine(_root, Guid.NewGuid().ToString("N")[..8]));

        protected override IIncidentStore Reopen(IIncidentStore store) => new LocalIncidentStore(((LocalIncidentStore)store).Folder);

        // /proc takes no new files, even from root.
        protected override IIncidentStore UnwritableStore() => new LocalIncidentStore("/proc/opsrunbook-incidents");

        [Fact]
        public async Task Keeps_one_append_only_log_of_json_lines_per_incident()
        {
            var store = (LocalIncidentStore)NewStore();
            var id = await store.OpenAsync(Opening("log"), CancellationToken.None);
            await store.AppendAsync(id, new[] { Note("a note") }, null, CancellationToken.None);

            var lines = File.ReadAllLines(Path.Combine(store.Folder, id + ".jsonl"));
            Assert.Equal(3, lines.Length);
            Assert.StartsWith("{\"sequence\":1,", lines[0], StringComparison.Ordinal);
            Assert.Contains("\"kind\":\"Note\"", lines[2], StringComparison.Ordinal);
        }

        [Fact]
        public async Task A_line_torn_by_a_crash_is_left_out_and_the_next_append_starts_on_a_new_line()
        {
            var store = (LocalIncidentStore)NewStore();
            var id = await store.OpenAsync(Opening("torn"), CancellationToken.None);
            var log = Path.Combine(store.Folder, id + ".jsonl");
            File.AppendAllText(log, "{\"sequence\":3,\"time\":\"20", Encoding.UTF8);

            Assert.Equal(2, (await store.ReadAsync(id, CancellationToken.None)).Count);
            var stamped = await store.AppendAsync(id, new[] { Note("after the crash") }, null, CancellationToken.None);

            Assert.Equal(3, stamped[0].Sequence);
            var entries = await store.ReadAsync(id, CancellationToken.None);
            Assert.Equal("after the crash", entries[^1].Text);
            Assert.Equal(3, entries.Count);
        }

        [Fact]
        public async Task An_incident_still_being_opened_is_not_listed_as_found()
        {
            var store = (LocalIncidentStore)NewStore();
            Directory.CreateDirectory(store.Folder);
            File.WriteAllText(Path.Combine(store.Folder, "INC-20260101-001.jsonl"), string.Empty);

            var failure = await Assert.ThrowsAsync<OpsRunbookException>(() => store.ReadAsync("INC-20260101-001", CancellationToken.None));
            Assert.Equal("IncidentNotFound", failure.ErrorId);
            var found = await new IncidentQuery(store).FindAsync(new IncidentFilter(), _ => throw new InvalidOperationException("not asked for"), CancellationToken.None);
            Assert.Empty(found);
        }

        [Fact]
        public async Task A_writer_that_holds_the_lock_too_long_makes_others_fail_with_IncidentStoreBusy()
        {
            var store = (LocalIncidentStore)NewStore();
            var id = await store.OpenAsync(Opening("busy"), CancellationToken.None);
            using (new FileStream(Path.Combine(store.Folder, id + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            {
                var impatient = new LocalIncidentStore(store.Folder, TimeSpan.FromMilliseconds(300));
                var failure = await Assert.ThrowsAsync<OpsRunbookException>(() => impatient.AppendAsync(id, new[] { Note("waiting") }, null, CancellationToken.None));
                Assert.Equal("IncidentStoreBusy", failure.ErrorId);
                Assert.Equal(FailureCategory.ResourceUnavailable, failure.Category);
            }

            await store.AppendAsync(id, new[] { Note("after") }, null, CancellationToken.None);
            Assert.Equal(new[] { "after" }, (await store.ReadAsync(id, CancellationToken.None)).Where(e => e.Kind == IncidentEventKind.Note).Select(e => e.Text));
        }

        [Fact]
        public void Chooses_the_folder_store_for_paths_and_the_team_store_for_connection_strings()
        {
            var folder = Path.Combine(_root, "chosen");
            Assert.IsType<LocalIncidentStore>(IncidentStoreLocator.Open(folder, null, Env.None, p => p));
            Assert.Equal(folder, IncidentStoreLocator.Open(null, null, Env.Of((IncidentStoreLocator.EnvironmentVariable, folder)), p => p).Location);
            Assert.IsType<PostgresIncidentStore>(IncidentStoreLocator.Open("postgres://oncall@127.0.0.1:5432/incidents", null, Env.None, p => p));
            Assert.IsType<PostgresIncidentStore>(IncidentStoreLocator.Open("Host=127.0.0.1;Database=incidents", null, Env.None, p => p));
            Assert.EndsWith(Path.Combine("OpsRunbook", "incidents"), IncidentStoreLocator.Open(null, null, Env.None, p => p).Location, StringComparison.Ordinal);

            var credential = Assert.Throws<OpsRunbookException>(() => IncidentStoreLocator.Open(folder, new System.Net.NetworkCredential("u", "p"), Env.None, p => p));
            Assert.Equal("StoreCredentialNotApplicable", credential.ErrorId);
        }
    }
}
