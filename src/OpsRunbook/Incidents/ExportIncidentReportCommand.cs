using System;
using System.IO;
using System.Management.Automation;
using OpsRunbook.Engine.Incidents;

namespace OpsRunbook.Incidents
{
    /// <summary>Writes an incident's post-mortem as Markdown: to the pipeline as text, or with -Path to a file.</summary>
    [Cmdlet(VerbsData.Export, "IncidentReport", SupportsShouldProcess = true)]
    [OutputType(typeof(string), typeof(FileInfo))]
    public sealed class ExportIncidentReportCommand : IncidentCommandBase
    {
        /// <summary>Without it, the current incident.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("IncidentId")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = Array.Empty<string>();

        /// <summary>A .md file, or a folder to write &lt;Id&gt;-postmortem.md in. Without it the Markdown is written to the pipeline.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Replace a file that exists.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var (id, current) in TargetIds(Id))
            {
                if (!IsValidId(id))
                {
                    continue;
                }

                var lifecycle = LifecycleFor(id, current);

                string? report = null;
                RunEngine(async (reporter, pump, cancellationToken) =>
                {
                    try
                    {
                        report = PostMortemReport.Write(await lifecycle.ReadAsync(id, cancellationToken).ConfigureAwait(false));
                    }
                    catch (OpsRunbookException ex) when (ex.ErrorId == IncidentErrors.IncidentNotFound)
                    {
                        pump.Post(() => WriteFailure(ex));
                    }
                });
                if (report is null)
                {
                    continue;
                }

                if (Path is null)
                {
                    WriteObject(report);
                    continue;
                }

                var file = PostMortemReport.TargetFile(FileSystemPath(Path), id);
                if (!ShouldProcess(file, $"Write the post-mortem of {id}"))
                {
                    continue;
                }

                try
                {
                    PostMortemReport.Save(report, file, Force);
                    WriteObject(new FileInfo(file));
                }
                catch (OpsRunbookException ex)
                {
                    WriteFailure(ex);
                }
            }
        }
    }
}
