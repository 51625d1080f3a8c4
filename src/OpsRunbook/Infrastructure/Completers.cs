using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace OpsRunbook.Infrastructure
{
    /// <summary>Completes -Name from the services of the file given to -Inventory.</summary>
    public sealed class ServiceNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            if (fakeBoundParameters["Inventory"] is not string inventory)
            {
                return Array.Empty<CompletionResult>();
            }

            try
            {
                return Completion.Matching(ServiceNames(inventory), wordToComplete);
            }
            catch (Exception)
            {
                // A half-typed or broken file completes nothing; the command itself will say what is wrong.
                return Array.Empty<CompletionResult>();
            }
        }

        private static IEnumerable<string> ServiceNames(string inventory)
        {
            var path = Path.IsPathRooted(inventory) ? inventory : Path.Combine(CurrentLocation(), inventory);
            return InventoryFile.Load(path, _ => string.Empty).Services.Select(s => s.Name);
        }

        // Completion runs inside the user's pipeline: the runspace's location is asked through a nested command.
        private static string CurrentLocation()
        {
            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            var location = shell.AddCommand("Microsoft.PowerShell.Management\\Get-Location").Invoke<PathInfo>().FirstOrDefault();
            return location?.ProviderPath ?? Directory.GetCurrentDirectory();
        }
    }

    /// <summary>Completes -Kind with the kinds of service that can be probed.</summary>
    public sealed class ServiceKindCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Completion.Matching(Enum.GetNames(typeof(ServiceKind)), wordToComplete);
    }

    /// <summary>Completes -Level with the levels structured logs use.</summary>
    public sealed class LogLevelCompleter : IArgumentCompleter
    {
        private static readonly string[] Levels = { "fatal", "error", "warn", "info", "debug", "trace" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => Completion.Matching(Levels, wordToComplete);
    }

    internal static class Completion
    {
        public static IEnumerable<CompletionResult> Matching(IEnumerable<string> values, string wordToComplete)
        {
            var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            return values.Where(pattern.IsMatch).Select(value =>
            {
                var text = value.Any(c => char.IsWhiteSpace(c) || "'\"`$();,{}@#".Contains(c)) ? "'" + value.Replace("'", "''") + "'" : value;
                return new CompletionResult(text, value, CompletionResultType.ParameterValue, value);
            }).ToList();
        }
    }
}
