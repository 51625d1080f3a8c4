using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database.Backup;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    public sealed class BackupCatalogTests : IDisposable
    {
        private readonly string _folder = Path.Combine(TestBed.Artifacts, "catalog-" + Guid.NewGuid().ToString("N")[..8]);

        public BackupCatalogTests()
        {
            Directory.CreateDirectory(_folder);
        }

        public void Dispose() => TestArtifacts.Remove(_folder);

        private string Write(string name, string content)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllText(path, content);
            return path;
        }

        // As seed 001's backup.sh writes them: pg_dump | gzip > f; sha256sum f > f.sha256 (run in the parent folder).
        private string StockBackup(string name, string content)
        {
            var path = Write(name, content);
            File.WriteAllText(ChecksumFile.SidecarPath(path), Sha256Sum(path).Replace(path, "backups/" + name));
            return path;
        }

        private static string Sha256Sum(string path)
        {
            using var process = Process.Start(new ProcessStartInfo("sha256sum", path) { RedirectStandardOutput = true })!;
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return text;
        }

        private void OurBackup(string database, DateTimeOffset when, BackupFormat format = BackupFormat.Custom)
        {
            var path = Path.Combine(_folder, BackupFiles.FileName(database, when, format));
            File.WriteAllText(path, "dump of " + database);
            File.WriteAllText(ChecksumFile.SidecarPath(path), ChecksumFile.Format(ChecksumFile.ComputeAsync(path, CancellationToken.None).Result, path));
            File.WriteAllText(BackupFiles.ManifestPath(path), new BackupManifest { Database = database, Format = format, StartedAt = when, FinishedAt = when.AddSeconds(3), ServerVersion = "15.18" }.ToJson());
        }

        [Fact]
        public void Lists_ours_and_the_stock_procedure_s_newest_first_and_nothing_else()
        {
            OurBackup("orders", new DateTimeOffset(2026, 11, 26, 2, 0, 15, TimeSpan.Zero));
            StockBackup("backup_agentic_db_20250122_020015.sql.gz", "stock");
            Write("notes.txt", "not a backup");
            Write(".orders_20261127_020015.dump.0123.partial", "half written");

            var backups = BackupCatalog.List(_folder, null);

            Assert.Equal(new[] { "orders_20261126_020015.dump", "backup_agentic_db_20250122_020015.sql.gz" }, backups.Select(b => b.Name));
            var stock = backups[1];
            Assert.Equal("agentic_db", stock.Database);
            Assert.Equal(BackupFormat.Sql, stock.Format);
            Assert.False(stock.HasManifest);
            Assert.Equal(new DateTimeOffset(2025, 1, 22, 2, 0, 15, TimeSpan.Zero), stock.CreatedAt);
            Assert.Equal(64, stock.Sha256!.Length);
            Assert.True(backups[0].HasManifest);
            Assert.Equal(TimeSpan.FromSeconds(3), backups[0].Duration);
            Assert.Equal("15.18", backups[0].ServerVersion);
        }

        [Fact]
        public async Task Verify_tells_valid_corrupt_and_unverified_apart()
        {
            var valid = StockBackup("backup_a_20260101_000000.sql.gz", "intact");
            var corrupt = StockBackup("backup_b_20260101_000000.sql.gz", "intact");
            File.WriteAllText(corrupt, "intacT");
            var bare = Write("c_20260101_000000.dump", "no sidecar");

            Assert.Equal(BackupVerification.Valid, (await BackupCatalog.VerifyAsync(BackupCatalog.Describe(valid)!, CancellationToken.None)).Verification);
            Assert.Equal(BackupVerification.Corrupt, (await BackupCatalog.VerifyAsync(BackupCatalog.Describe(corrupt)!, CancellationToken.None)).Verification);
            Assert.Equal(BackupVerification.Unverified, (await BackupCatalog.VerifyAsync(BackupCatalog.Describe(bare)!, CancellationToken.None)).Verification);
        }

        [Fact]
        public void Our_sidecar_is_accepted_by_sha256sum()
        {
            OurBackup("orders", DateTimeOffset.UtcNow);
            var backup = BackupCatalog.List(_folder, "orders").Single();

            using var process = Process.Start(new ProcessStartInfo("sha256sum", new[] { "-c", backup.Name + ".sha256" }) { WorkingDirectory = _folder, RedirectStandardOutput = true })!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();

            Assert.Equal(0, process.ExitCode);
            Assert.Contains($"{backup.Name}: OK", output);
        }

        [Fact]
        public void Filters_by_database_with_wildcards()
        {
            OurBackup("orders", DateTimeOffset.UtcNow);
            OurBackup("order_items", DateTimeOffset.UtcNow);
            OurBackup("users", DateTimeOffset.UtcNow);

            Assert.Equal(2, BackupCatalog.List(_folder, "order*").Count);
            Assert.Single(BackupCatalog.List(_folder, "users"));
        }

        [Fact]
        public void Prune_keeps_the_newest_and_removes_only_its_own_backups_of_that_database()
        {
            var start = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);
            for (var day = 0; day < 5; day++)
            {
                OurBackup("orders", start.AddDays(day));
            }

            OurBackup("users", start);
            var foreign = StockBackup("backup_orders_20250101_000000.sql.gz", "made by hand");
            var newest = Path.Combine(_folder, BackupFiles.FileName("orders", start.AddDays(4), BackupFormat.Custom));

            var removed = BackupCatalog.Prune(_folder, "orders", 2, newest, OperationReporter.None);

            Assert.Equal(3, removed.Count);
            Assert.Equal(new[] { "orders_20261105_020000.dump", "orders_20261104_020000.dump" },
                BackupCatalog.List(_folder, "orders").Where(b => b.HasManifest).Select(b => b.Name));
            Assert.True(File.Exists(foreign));
            Assert.Single(BackupCatalog.List(_folder, "users"));
            Assert.Empty(Directory.GetFiles(_folder, "orders_20261101*"));
        }

        [Fact]
        public void A_missing_folder_is_BackupFolderNotFound()
        {
            var ex = Assert.Throws<OpsRunbookException>(() => BackupCatalog.List(Path.Combine(_folder, "nope"), null));

            Assert.Equal("BackupFolderNotFound", ex.ErrorId);
        }

        [Theory]
        [InlineData("orders_20261127_020015.dump", "orders", BackupFormat.Custom)]
        [InlineData("backup_agentic_db_20250122_020015.sql.gz", "agentic_db", BackupFormat.Sql)]
        [InlineData("my_db_2_20250122_020015.sql.gz", "my_db_2", BackupFormat.Sql)]
        public void Reads_database_time_and_format_from_names(string name, string database, BackupFormat format)
        {
            var parsed = BackupFiles.Parse(name)!.Value;

            Assert.Equal(database, parsed.Database);
            Assert.Equal(format, parsed.Format);
        }

        [Theory]
        [InlineData("orders.dump")]
        [InlineData("orders_2026_020015.dump")]
        [InlineData("orders_20261127_020015.tar")]
        public void Other_names_are_not_backups(string name)
        {
            Assert.Null(BackupFiles.Parse(name));
        }
    }
}
