using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace OpsRunbook.Database
{
    /// <summary>Backup files to act on: paths, or DatabaseBackup objects from Get-DatabaseBackup or Invoke-DatabaseBackup.</summary>
    public abstract class BackupFileCommandBase : DatabaseCommandBase
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "Backup")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>The folder of pg_restore and psql to use; by default PATH, then /usr/lib/postgresql/&lt;major&gt;/bin.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ToolPath { get; set; }

        internal IEnumerable<string> BackupPaths => Path.Select(FileSystemPath);

        internal string? ToolFolder => ToolPath is null ? null : FileSystemPath(ToolPath);
    }
}
