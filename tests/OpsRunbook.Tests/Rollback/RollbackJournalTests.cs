using System;
using System.IO;
using System.Linq;
using OpsRunbook.Engine.Rollback;
using Xunit;

namespace OpsRunbook.Tests.Rollback
{
    /// <summary>The journal a rollback keeps beside its points, and how points are named: what is left after a kill must say how to go on.</summary>
    public sealed class RollbackJournalTests : IDisposable
    {
        private readonly string _root = Path.Combine(TestBed.Artifacts, "rollback-journal-" + Guid.NewGuid().ToString("N")[..8]);

        public RollbackJournalTests()
        {
            Directory.CreateDirectory(_root);
        }

        public void Dispose() => TestArtifacts.Remove(_root);

        [Fact]
        public void A_saved_journal_reads_back_leaves_no_temporary_file_and_tells_how_to_resume_or_return()
        {
            var journal = new RollbackJournal
            {
                Point = "20260101_120000", Safety = "20260101_130000", Inventory = "/srv/shop.stack.psd1", StartedAt = DateTimeOffset.Parse("2026-01-01T13:00:05Z"),
            };
            journal.Save(_root);
            journal.Done.Add("Database postgres");
            journal.Save(_root);

            Assert.Equal(new[] { RollbackJournal.FileName }, Directory.GetFiles(_root).Select(Path.GetFileName));
            var read = RollbackJournal.Read(_root)!;
            Assert.Equal(new[] { "Database postgres" }, read.Done);
            Assert.Equal(journal.Safety, read.Safety);
            var advice = read.Advice(_root);
            Assert.Contains($"Invoke-Rollback -Path '{_root}' -Timestamp 20260101_130000 returns to it", advice);
            Assert.Contains($"Invoke-Rollback -Path '{_root}' -Timestamp 20260101_120000 runs the rollback again", advice);
            Assert.Contains("done: Database postgres", advice);

            RollbackJournal.Remove(_root);
            Assert.Null(RollbackJournal.Read(_root));
            Assert.Empty(Directory.GetFiles(_root));
        }

        [Fact]
        public void A_journal_that_is_not_json_is_no_journal()
        {
            File.WriteAllText(Path.Combine(_root, RollbackJournal.FileName), "{ half of one");

            Assert.Null(RollbackJournal.Read(_root));
        }

        [Theory]
        [InlineData("20260101_120000", true)]
        [InlineData("20261301_120000", false)]
        [InlineData(".20260101_120000.partial", false)]
        [InlineData("latest", false)]
        public void Points_are_folders_named_by_their_UTC_second(string name, bool isTimestamp)
        {
            Assert.Equal(isTimestamp, RollbackPointFolder.IsTimestamp(name));
            Assert.Equal("20260101_120000", RollbackPointFolder.Timestamp(DateTimeOffset.Parse("2026-01-01T14:00:00.9+02:00")));
            Assert.Equal("api_v2_.-x", RollbackPointFolder.SafeName("api/v2 .-x"));
        }
    }
}
