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
            if (Unwrap(fakeBoundParameters["Store"]) is string given)
            {
                return given;
            }

            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            var defaults = shell.AddCommand("Microsoft.PowerShell.Utility\\Get-Variable")
                .AddParameter("Name", "PSDefaultParameterValues").AddParameter("ValueOnly").Invoke<IDictionary>().FirstOrDefault();
            if (defaults is null)
            {
                return null;
            }

            // As PowerShell binds them: one value from the entries that match the command, none when they disagree.
            var values = new List<string>();
            foreach (DictionaryEntry entry in defaults)
            {
                if (entry.Key is string key && key.Split(':') is [var command, var parameter] &&
                    parameter.Trim().Equals("Store", StringComparison.OrdinalIgnoreCase) &&
                    new WildcardPattern(command.Trim(), WildcardOptions.IgnoreCase).IsMatch(commandName) && Unwrap(entry.Value) is string store)
                {
                    values.Add(store);
                }
            }

            return values.Distinct(StringComparer.Ordinal).Count() == 1 ? values[0] : null;
        }

        // Values set from script (Join-Path's output, say) arrive wrapped.
        private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

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
