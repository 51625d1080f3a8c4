using System;
using System.Linq;
using System.Management.Automation;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;

namespace OpsRunbook.Observability
{
    /// <summary>Reads alerting rules from Prometheus rule files and the seeds' rule blocks.</summary>
    [Cmdlet(VerbsCommon.Get, "AlertRule")]
    [OutputType(typeof(AlertRule))]
    public sealed class GetAlertRuleCommand : Infrastructure.OpsRunbookCmdlet
    {
        /// <summary>Rule files (YAML); wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Alert names; wildcards allowed.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        protected override void ProcessRecord()
        {
            foreach (var file in FilePaths.Resolve(this, Path, "rule file"))
            {
                try
                {
                    foreach (var rule in AlertRuleReader.ReadFile(file).Where(r => Name.Length == 0 || Name.Any(n => NamePattern.IsMatch(r.Name, n))))
                    {
                        WriteObject(rule);
                    }
                }
                catch (OpsRunbookException ex)
                {
                    WriteFailure(ex);
                }
            }
        }
    }
}
