using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Redis;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Redis
{
    /// <summary>
    /// Deletes the keys that match patterns with SCAN and UNLINK, never KEYS, so the server keeps serving; or with
    /// -All, FLUSHDB ASYNC of the one database. -WhatIf counts what would go.
    /// </summary>
    [Cmdlet(VerbsCommon.Clear, "RedisCache", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ConnectionStringSet)]
    [OutputType(typeof(RedisCacheClearResult))]
    public sealed class ClearRedisCacheCommand : RedisCommandBase
    {
        /// <summary>Redis glob patterns of the keys to delete, such as 'cache:market:*'.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[] Pattern { get; set; } = Array.Empty<string>();

        /// <summary>Every key of the database (FLUSHDB ASYNC), instead of -Pattern.</summary>
        [Parameter]
        public SwitchParameter All { get; set; }

        /// <summary>The database; by default the connection string's (redis://host/N), else 0.</summary>
        [Parameter]
        public int? Database { get; set; }

        /// <summary>The COUNT of each SCAN: how many keys one command looks at.</summary>
        [Parameter]
        [ValidateRange(1, 100000)]
        public int BatchSize { get; set; } = RedisCacheCleaner.DefaultBatchSize;

        /// <summary>Clear without asking, a pattern of * or -All included.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        private bool IsWhatIf => ChangeConfirmation.IsWhatIf(this);

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (All.IsPresent == (Pattern.Length > 0))
            {
                ThrowFailure(Failures.InvalidArgument(All ? RedisErrors.PatternAndAll : RedisErrors.PatternRequired,
                    All ? "-All deletes every key of the database; it cannot be combined with -Pattern." : "Say which keys to delete: -Pattern, or -All for every key of the database.",
                    null, "Give -Pattern 'prefix:*' (several may be given), or -All with -Force."));
            }

            // Every pattern is checked before anything is deleted.
            foreach (var pattern in Pattern)
            {
                try
                {
                    RedisGlob.Parse(pattern);
                }
                catch (OpsRunbookException ex)
                {
                    ThrowFailure(ex);
                }
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var target in ResolveTargets())
            {
                var database = Database ?? target.Connection.Database ?? 0;
                var where = $"{target.Connection.DisplayTarget} database {database}";
                var patterns = All ? new[] { "*" } : Pattern;
                var confirmed = patterns.Where(pattern => Confirm(where, pattern)).ToList();
                if (IsWhatIf)
                {
                    // -WhatIf says what would be done, and counts what would go.
                    confirmed = patterns.ToList();
                }

                if (confirmed.Count == 0)
                {
                    continue;
                }

                RunWithSession(target, async (session, reporter, pump, cancellationToken) =>
                {
                    var cleaner = new RedisCacheCleaner(session);
                    foreach (var pattern in confirmed)
                    {
                        var result = All
                            ? await cleaner.FlushAsync(Database, IsWhatIf, reporter, cancellationToken).ConfigureAwait(false)
                            : await cleaner.ClearAsync(new RedisClearRequest(pattern, Database, BatchSize, IsWhatIf), reporter, cancellationToken).ConfigureAwait(false);
                        pump.Post(() => WriteObject(result));
                    }
                });
            }
        }

        /// <summary>
        /// ShouldProcess for one pattern. -Force skips the prompt (not -WhatIf); -Confirm:$false never prompts. A pattern
        /// of * or -All is done only when the user confirmed it at a prompt or gave -Force: without either it is refused.
        /// </summary>
        private bool Confirm(string where, string pattern)
        {
            var everything = All || RedisGlob.Parse(pattern).MatchesEverything;
            var action = All
                ? "Delete every key of the database (FLUSHDB ASYNC)"
                : everything ? $"Delete every key of the database (pattern '{pattern}', SCAN and UNLINK)" : $"Delete the keys matching '{pattern}' (SCAN and UNLINK)";

            // A pattern of * or -All goes only when it was confirmed at a prompt or forced; where nobody would be asked, it is refused.
            if (everything && !Force && !IsWhatIf && !ChangeConfirmation.WouldPrompt(this, ConfirmImpact.High))
            {
                WriteFailure(new OpsRunbookException(RedisErrors.ClearAllRequiresForce, FailureCategory.InvalidOperation,
                    $"{action} on {where} was not done: deleting every key needs -Force, or a confirmation at the prompt.", where,
                    "Add -Force to delete every key without a prompt, or give a narrower -Pattern."));
                return false;
            }

            return ChangeConfirmation.ShouldChange(this, where, action, ConfirmImpact.High, Force);
        }
    }
}
