using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// The runbooks' monthly "test backup restoration": check the checksum, restore into a scratch database with the
    /// source database's properties (or, when it is gone, those the backup recorded), compare every table's rows with
    /// the manifest (or, for backups without one, with the source database as it is now), and drop the scratch
    /// database again, by the OID it was created with. A backup that fails is a result, not an error.
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
            catch (OpsRunbookException ex) when (ex.ErrorId == DatabaseErrors.BackupCorrupt)
            {
                var described = BackupCatalog.Describe(path);
                return new BackupTestResult(path, described?.Database ?? "?")
                {
                    Checksum = BackupVerification.Corrupt,
                    Failure = "the file does not match its .sha256 sidecar",
                    Duration = clock.Elapsed,
                };
            }

            BackupFiles.SweepAbandoned(System.IO.Path.GetDirectoryName(backup.Path)!, reporter);
            await using var session = await _restorer.OpenSessionAsync(null, reporter, cancellationToken).ConfigureAwait(false);
            var sourceOid = await session.OidOfAsync(backup.Database, cancellationToken).ConfigureAwait(false);
            var comparedWith = backup.Tables.Length > 0 ? "manifest" : "source database";
            var expected = backup.Tables;
            if (expected.Length == 0 && sourceOid is not null)
            {
                expected = await _restorer.CountAsync(backup.Database, cancellationToken).ConfigureAwait(false);
            }
            else if (expected.Length == 0)
            {
                comparedWith = "nothing";
            }

            var tools = PostgresTools.Find(session.ServerMajor, toolPath, _restorer.Environment);
            var properties = await _restorer.PropertiesAsync(session, backup.Database, sourceOid is not null, "source database", backup, kind, tools, noOwner: false,
                cancellationToken).ConfigureAwait(false);
            var scratch = await session.CreateScratchAsync(backup.Database, sourceOid, "test",
                name => DatabasePropertiesWriter.CreateStatement(name, properties, session.ServerMajor), cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"Testing {backup.Name}: checksum {checksum}; restoring into the scratch database {scratch.Name}.");
            var request = new RestoreRequest(backup.Path, scratch.Name, jobs, toolPath, AllowUnverified: true, NoOwner: false);
            var restorable = new DatabaseBackup(backup.Path, backup.Database) { Tables = expected, Format = backup.Format };
            try
            {
                var checks = await _restorer.RestoreIntoAsync(session, scratch, restorable, kind, tools, request, properties, reporter, cancellationToken).ConfigureAwait(false);
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
                    ScratchDatabase = scratch.Name,
                    Properties = properties,
                    Duration = clock.Elapsed,
                };
            }
            catch (OpsRunbookException ex) when (ex.ErrorId is DatabaseErrors.RestoreFailed or DatabaseErrors.RestorePropertiesFailed)
            {
                return new BackupTestResult(backup.Path, backup.Database)
                {
                    Checksum = checksum,
                    ComparedWith = comparedWith,
                    Failure = ex.Message,
                    ScratchDatabase = scratch.Name,
                    Properties = properties,
                    Duration = clock.Elapsed,
                };
            }
            finally
            {
                await session.DropQuietlyAsync(scratch.Oid).ConfigureAwait(false);
            }
        }
    }
}
