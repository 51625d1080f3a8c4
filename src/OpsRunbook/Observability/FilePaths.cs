using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using OpsRunbook.Engine.Common;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Observability
{
    /// <summary>
    /// -Path as PowerShell users expect it: relative to the current location, wildcards allowed. A path that names
    /// nothing is a non-terminating PathNotFound; the matches of a wildcard come oldest first, so rotated logs
    /// (app.log.2.gz, app.log.1, app.log) are read in the order they were written.
    /// </summary>
    internal static class FilePaths
    {
        public static IReadOnlyList<string> Resolve(OpsRunbookCmdlet cmdlet, IEnumerable<string> paths, string what)
        {
            var files = new List<string>();
            foreach (var path in paths)
            {
                List<string> matches;
                try
                {
                    matches = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider)
                        .Where(p => provider.Name == "FileSystem")
                        .ToList();
                }
                catch (ItemNotFoundException)
                {
                    matches = new List<string>();
                }

                if (matches.Count == 0)
                {
                    cmdlet.WriteFailure(new OpsRunbookException(CommonErrors.PathNotFound, FailureCategory.ObjectNotFound,
                        $"The {what} '{path}' does not exist{(WildcardPattern.ContainsWildcardCharacters(path) ? " (the wildcard matches nothing)" : string.Empty)}.",
                        path, "Check the path; it is relative to the current location."));
                    continue;
                }

                files.AddRange(matches.Count > 1 ? matches.OrderBy(File.GetLastWriteTimeUtc).ThenBy(p => p, StringComparer.Ordinal) : matches);
            }

            return files;
        }
    }
}
