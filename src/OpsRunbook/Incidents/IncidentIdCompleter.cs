using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Stores;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Incidents
{
    /// <summary>
    /// Completes -Id with the incidents of the store the command would use (its -Store, else the session's
    /// $PSDefaultParameterValues, else OPSRUNBOOK_INCIDENT_STORE, else the local folder): open ones first, newest first,
    /// each with its severity, status and title as the tooltip.
    /// </summary>
    public sealed class IncidentIdCompleter : IArgumentCompleter
    {
        private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var store = IncidentStoreLocator.Open(StoreFor(commandName, fakeBoundParameters), null, OpsRunbookCmdlet.Environment, ResolvePath, Budget);
                using var deadline = new CancellationTokenSource(Budget);
                var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
                var filter = new IncidentFilter { Ids = new[] { prefix + "*" } };
                var incidents = new IncidentQuery(store).FindAsync(filter, _ => { }, deadline.Token).GetAwaiter().GetResult();
                return incidents
                    .OrderBy(i => i.Status == IncidentStatus.Resolved)
                    .ThenByDescending(i => i.StartedAt)
                    .Take(50)
                    .Select(i => new CompletionResult(i.Id, i.Id, CompletionResultType.ParameterValue, $"{i.Severity} {i.Status}: {i.Title}"))
                    .ToList();
            }
            catch (Exception)
            {
                // An unreachable or unreadable store completes nothing; the command itself will say what is wrong.
                return Array.Empty<CompletionResult>();
            }
        }

        private static string? StoreFor(string commandName, IDictionary fakeBoundParameters)
        {
            if (IncidentStoreDefaults.Unwrap(fakeBoundParameters["Store"]) is string given)
            {
                return given;
            }

            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            var defaults = shell.AddCommand("Microsoft.PowerShell.Utility\\Get-Variable")
                .AddParameter("Name", "PSDefaultParameterValues").AddParameter("ValueOnly").Invoke<IDictionary>().FirstOrDefault();

            // -IncidentId of the other cmdlets names an incident of the store the incident cmdlets use.
            var command = commandName.Contains("-Incident", StringComparison.OrdinalIgnoreCase) ? commandName : IncidentStoreDefaults.IncidentCommand;
            return IncidentStoreDefaults.Find(defaults, command, "Store") as string;
        }

        private static string ResolvePath(string path)
        {
            if (System.IO.Path.IsPathRooted(path))
            {
                return path;
            }

            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            var location = shell.AddCommand("Microsoft.PowerShell.Management\\Get-Location").Invoke<PathInfo>().FirstOrDefault();
            return System.IO.Path.Combine(location?.ProviderPath ?? System.IO.Directory.GetCurrentDirectory(), path);
        }
    }
}
