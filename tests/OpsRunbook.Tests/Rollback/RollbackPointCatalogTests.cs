using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Rollback;
using Xunit;

namespace OpsRunbook.Tests.Rollback
{
    /// <summary>Get-RollbackPoint's engine: points listed, found and pruned; checked file by file, with sha256sum -c as the witness.</summary>
    public sealed class RollbackPointCatalogTests : IClassFixture<RollbackFixture>
    {
        private readonly RollbackFixture _stack;

        public RollbackPointCatalogTests(RollbackFixture stack)
        {
            _stack = stack;
        }

        private string NewRoot(string label) => Path.Combine(_stack.Folder, $"{label}-{Guid.NewGuid().ToString("N")[..8]}");

        private static Task<RollbackPoint> VerifyAsync(string point) =>
            RollbackPointCatalog.VerifyAsync(RollbackPointCatalog.Describe(point), OperationReporter.None, CancellationToken.None);

        /// <summary>The file of that component in a copy of the fixture's point; the manifest for null.</summary>
        private string FileOf(string copy, RollbackComponent? component, string? service = null) =>
            Path.Combine(copy, component is { } c ? _stack.ItemFile(c, service) : RollbackManifest.FileName);

        [Fact]
        public async Task Lists_newest_first_finds_by_timestamp_and_keeps_the_last_n_of_each_kind()
        {
            var root = NewRoot("list");
            // Configuration only: quick to take, one a second.
            var stack = _stack.Stack(postgres: null, redis: null, api: null);
            var first = await RollbackFixture.WriteAsync(stack, root, "first");
            var second = await RollbackFixture.WriteAsync(stack, root, "second");
            var safety = await RollbackFixture.WriteAsync(stack, root, "safety", safetyFor: first.Timestamp);

            var listed = RollbackPointCatalog.List(root);

            Assert.Equal(new[] { safety.Timestamp, second.Timestamp, first.Timestamp }, listed.Select(p => p.Timestamp));
            Assert.Equal(new[] { "safety", "second", "first" }, listed.Select(p => p.Name));
            Assert.Equal(new[] { first.Timestamp, null, null }, listed.Select(p => p.SafetyFor));
            Assert.True(string.CompareOrdinal(second.Timestamp, first.Timestamp) > 0, "points of the same second");
            // The latest is the newest point New-RollbackPoint took: a safety point only by its timestamp.
            Assert.Equal(second.Path, RollbackPointCatalog.Find(root, null).Path);
            Assert.Equal(safety.Path, RollbackPointCatalog.Find(root, safety.Timestamp).Path);
            Assert.Equal(first.Path, RollbackPointCatalog.Find(root, first.Timestamp).Path);
            // A point's own folder is a folder of one point.
            Assert.Equal(new[] { second.Timestamp }, RollbackPointCatalog.List(second.Path).Select(p => p.Timestamp));

            var unknown = Assert.Throws<OpsRunbookException>(() => RollbackPointCatalog.Find(root, "20000101_000000"));
            Assert.Equal("RollbackPointNotFound", unknown.ErrorId);
            Assert.Equal(FailureCategory.ObjectNotFound, unknown.Category);
            Assert.Contains(first.Timestamp, unknown.Message);
            Assert.Contains(second.Timestamp, unknown.Message);

            // A folder of safety points only has no latest: rolling forward is chosen by timestamp.
            var safetyOnly = NewRoot("safety-only");
            var lone = await RollbackFixture.WriteAsync(stack, safetyOnly, "safety", safetyFor: first.Timestamp);
            var none = Assert.Throws<OpsRunbookException>(() => RollbackPointCatalog.Find(safetyOnly, null));
            Assert.Equal("RollbackPointNotFound", none.ErrorId);
            Assert.Contains(lone.Timestamp, none.Message);

            // The fourth point with -KeepLast 2: the oldest regular point goes, the safety point is not counted among them.
            var third = await RollbackFixture.WriteAsync(stack, root, "third", keepLast: 2);

            Assert.Equal(new[] { second.Timestamp, safety.Timestamp, third.Timestamp }.Order(StringComparer.Ordinal),
                Directory.GetDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(new[] { second.Path }, RollbackPointCatalog.Prune(root, 1, safety: false, OperationReporter.None));
            Assert.Equal(new[] { third.Timestamp, safety.Timestamp }, RollbackPointCatalog.List(root).Select(p => p.Timestamp));
            Assert.Empty(RollbackPointCatalog.Prune(root, 1, safety: true, OperationReporter.None));
        }

        [Fact]
        public async Task A_point_as_written_is_Valid_and_sha256sum_agrees()
        {
            var verified = await VerifyAsync(_stack.Point.Path);

            Assert.Equal(RollbackPointVerification.Valid, verified.Verification);
            Assert.Empty(verified.Problems);
            Assert.Equal(_stack.Point.Items.Length, verified.Items.Length);
            Assert.Equal(0, RollbackFixture.Sha256SumCheck(_stack.Point.Path).ExitCode);
        }

        [Theory]
        [InlineData(RollbackComponent.Database, null)]
        [InlineData(RollbackComponent.Redis, null)]
        [InlineData(RollbackComponent.Config, ".env")]
        [InlineData(RollbackComponent.Image, "api")]
        [InlineData(null, null)]
        public async Task One_byte_flipped_in_any_file_makes_the_point_Corrupt(RollbackComponent? component, string? service)
        {
            var copy = _stack.CopyPoint();
            var file = FileOf(copy, component, service);
            var bytes = await File.ReadAllBytesAsync(file);
            bytes[bytes.Length / 2] ^= 0x01;
            await File.WriteAllBytesAsync(file, bytes);

            var verified = await VerifyAsync(copy);

            Assert.Equal(RollbackPointVerification.Corrupt, verified.Verification);
            Assert.Contains($"{RollbackPointFolder.Relative(copy, file)} does not match its checksum", verified.Problems);
            var witness = RollbackFixture.Sha256SumCheck(copy);
            Assert.NotEqual(0, witness.ExitCode);
            Assert.Contains($"{RollbackPointFolder.Relative(copy, file)}: FAILED", witness.Output);
        }

        [Theory]
        [InlineData(RollbackComponent.Database, null)]
        [InlineData(RollbackComponent.Redis, null)]
        [InlineData(RollbackComponent.Config, "docker-compose.yml")]
        [InlineData(RollbackComponent.Image, "redis")]
        [InlineData(null, null)]
        public async Task A_file_missing_makes_the_point_Incomplete(RollbackComponent? component, string? service)
        {
            var copy = _stack.CopyPoint();
            var file = FileOf(copy, component, service);
            File.Delete(file);

            var verified = await VerifyAsync(copy);

            Assert.Equal(RollbackPointVerification.Incomplete, verified.Verification);
            Assert.Contains($"{RollbackPointFolder.Relative(copy, file)} is missing", verified.Problems);
            Assert.NotEqual(0, RollbackFixture.Sha256SumCheck(copy).ExitCode);
        }

        [Fact]
        public async Task A_point_without_its_SHA256SUMS_is_Incomplete()
        {
            var copy = _stack.CopyPoint();
            File.Delete(Path.Combine(copy, RollbackManifest.ChecksumsFileName));

            var verified = await VerifyAsync(copy);

            Assert.Equal(RollbackPointVerification.Incomplete, verified.Verification);
            Assert.Contains($"{RollbackManifest.ChecksumsFileName} is missing", verified.Problems);
        }

        [Fact]
        public void Folders_that_hold_no_point_say_so()
        {
            var root = NewRoot("empty");
            var missing = Assert.Throws<OpsRunbookException>(() => RollbackPointCatalog.List(root));
            Assert.Equal("RollbackFolderNotFound", missing.ErrorId);
            Assert.Equal(FailureCategory.ObjectNotFound, missing.Category);

            // A timestamp folder without a manifest or checksums, and a point still being written (.partial), are not points.
            Directory.CreateDirectory(Path.Combine(root, "20240101_120000"));
            var partial = Path.Combine(root, ".20240101_130000.partial");
            Directory.CreateDirectory(partial);
            File.Copy(Path.Combine(_stack.Point.Path, RollbackManifest.FileName), Path.Combine(partial, RollbackManifest.FileName));
            File.Copy(Path.Combine(_stack.Point.Path, RollbackManifest.ChecksumsFileName), Path.Combine(partial, RollbackManifest.ChecksumsFileName));

            var none = Assert.Throws<OpsRunbookException>(() => RollbackPointCatalog.List(root));
            Assert.Equal("NotARollbackFolder", none.ErrorId);
            Assert.Equal(FailureCategory.InvalidArgument, none.Category);
            Assert.Contains("yyyyMMdd_HHmmss", none.Message);
            Assert.Equal("NotARollbackFolder", Assert.Throws<OpsRunbookException>(() => RollbackPointCatalog.Find(root, null)).ErrorId);
        }
    }
}
