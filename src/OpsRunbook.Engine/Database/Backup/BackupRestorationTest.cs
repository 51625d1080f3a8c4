using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// The runbooks' monthly "test backup restoration": check the checksum, restore into a scratch database,
    /// compare every table's rows with the manifest (or, for backups without one, with the source database as
    /// it is now), and drop the scratch database again. A backup that fails is a result, not an error.
    /// </summary>
    public sealed class BackupRestorationTest
    {
        private readonly DatabaseRestorer _restorer;

        public BackupRestorationTest(DatabaseRestorer restorer)
        {
            _restorer = restorer;
        }

        public async Task<BackupTestResult> TestAsync(string path, string? toolPath, int jobs, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            DatabaseBackup backup;
            BackupVerification checksum;
            DumpKind kind;
            try
            {
                (backup, checksum, kind) = await DatabaseRestorer.InspectAsync(path, null, allowUnverified: true, cancellationToken).ConfigureAwait(false);
            }
            catch (OpsRunbookException ex) when (ex.ErrorId == "BackupCorrupt")
            {
                var described = BackupCatalog.Describe(path);
                return new BackupTestResult(path, described?.Database ?? "?")
                {
                    Checksum = BackupVerification.Corrupt,
                    Failure = "the file does not match its .sha256 sidecar",
                    Duration = clock.Elapsed,
                };
            }

            var scratch = DatabaseRestorer.ScratchName(backup.Database, "test");
            var comparedWith = backup.Tables.Length > 0 ? "manifest" : "source database";
            var expected = backup.Tables;
            if (expected.Length == 0 && await _restorer.DatabaseExistsAsync(backup.Database, cancellationToken).ConfigureAwait(false))
            {
                expected = (await _restorer.CompareAsync(backup.Database, Array.Empty<BackupTableRows>(), restored: false, cancellationToken).ConfigureAwait(false))
                    .Select(c => new BackupTableRows(c.Table, c.Actual ?? 0)).ToArray();
            }
            else if (expected.Length == 0)
            {
                comparedWith = "nothing";
            }

            reporter.Verbose($"Testing {backup.Name}: checksum {checksum}; restoring into the scratch database {scratch}.");
            var request = new RestoreRequest(backup.Path, scratch, jobs, toolPath, AllowUnverified: true, NoOwner: false);
            var restorable = new DatabaseBackup(backup.Path, backup.Database) { Tables = Array.Empty<BackupTableRows>(), Format = backup.Format };
            try
            {
                await _restorer.RestoreIntoNewAsync(restorable, kind, scratch, request, reporter, cancellationToken).ConfigureAwait(false);
                var checks = await _restorer.CompareAsync(scratch, expected, restored: true, cancellationToken).ConfigureAwait(false);
                var wrong = checks.Count(c => !c.Matches);
                var passed = checksum != BackupVerification.Corrupt && (comparedWith == "nothing" || wrong == 0);
                return new BackupTestResult(backup.Path, backup.Database)
                {
                    Checksum = checksum,
                    Restored = true,
                    ComparedWith = comparedWith,
                    Tables = checks,
                    Passed = passed,
                    Failure = passed ? null : $"{wrong} of {checks.Length} tables do not have the expected rows",
                    ScratchDatabase = scratch,
                    Duration = clock.Elapsed,
                };
            }
            catch (OpsRunbookException ex) when (ex.ErrorId is "RestoreFailed")
            {
                return new BackupTestResult(backup.Path, backup.Database)
                {
                    Checksum = checksum,
                    ComparedWith = comparedWith,
                    Failure = ex.Message,
                    ScratchDatabase = scratch,
                    Duration = clock.Elapsed,
                };
            }
            finally
            {
                await _restorer.DropQuietlyAsync(scratch).ConfigureAwait(false);
            }
        }
    }
}
