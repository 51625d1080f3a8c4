using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Observability
{
    /// <summary>Finds secrets that reached log files unredacted; each finding says where and what kind, never the secret.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "LogRedaction")]
    [OutputType(typeof(LogSecretFinding))]
    public sealed class TestLogRedactionCommand : OpsRunbookCmdlet
    {
        private LogRedactionScanner? _scanner;

        /// <summary>Log files; wildcards allowed; gzip-compressed files are read too.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Environment variables whose values must not appear in the logs (DATABASE_PASSWORD, ANTHROPIC_API_KEY).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] EnvironmentVariable { get; set; } = Array.Empty<string>();

        /// <summary>More regular expressions that mark a secret (case-sensitive; use (?i) for otherwise).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [SecretValue]
        public string[] Pattern { get; set; } = Array.Empty<string>();

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            var known = new List<KnownSecret>();
            foreach (var name in EnvironmentVariable)
            {
                var value = Environment(name);
                if (string.IsNullOrEmpty(value))
                {
                    WriteFailure(new OpsRunbookException(ObservabilityErrors.EnvironmentVariableNotSet, FailureCategory.InvalidArgument,
                        $"The environment variable '{name}' is not set, so its value cannot be looked for.", name,
                        "Set it (as the service has it), or leave it out of -EnvironmentVariable."));
                    continue;
                }

                if (value.Length < LogRedactionScanner.MinimumSecretLength)
                {
                    WriteWarning($"The value of '{name}' is shorter than {LogRedactionScanner.MinimumSecretLength} characters; it would match everywhere and is not looked for.");
                    continue;
                }

                known.Add(new KnownSecret(name, value));
            }

            var patterns = new List<Regex>();
            for (var i = 0; i < Pattern.Length; i++)
            {
                try
                {
                    patterns.Add(new Regex(Pattern[i], RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
                }
                catch (ArgumentException ex)
                {
                    // Named by its place, and without .NET's message, which quotes it: a pattern may spell out the very secret it looks for.
                    var reason = ex is RegexParseException parse ? $"{parse.Error} at offset {parse.Offset}" : "it does not parse";
                    ThrowFailure(Failures.InvalidArgument(CommonErrors.InvalidPattern, $"-Pattern #{i + 1} is not a valid regular expression: {reason}.", $"-Pattern #{i + 1}",
                        "Fix the regular expression, or escape it with [regex]::Escape() to match the text literally."));
                }
            }

            _scanner = new LogRedactionScanner(known, patterns);
        }

        protected override void ProcessRecord()
        {
            var files = FilePaths.Resolve(this, Path, "log file");
            if (files.Count == 0)
            {
                return;
            }

            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                foreach (var file in files)
                {
                    try
                    {
                        await _scanner!.ScanAsync(file, finding => pump.Post(() => WriteObject(finding)), reporter, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OpsRunbookException ex)
                    {
                        pump.Post(() => WriteFailure(ex));
                    }
                }
            }, capacity: 1024);
        }
    }
}
