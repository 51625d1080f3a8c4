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

        private static IEnumerable<string> ServiceNames(string inventory) =>
            InventoryFile.Load(Completion.FullPath(inventory), _ => string.Empty).Services.Select(s => s.Name);
    }

    /// <summary>Completes -Timestamp from the restore points in the folder given to -Path, newest first.</summary>
    public sealed class RollbackTimestampCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            if (fakeBoundParameters["Path"] is not string folder)
            {
                return Array.Empty<CompletionResult>();
            }

            try
            {
                var points = Engine.Rollback.RollbackPointCatalog.List(Completion.FullPath(folder)).ToDictionary(p => p.Timestamp);
                return Completion.Matching(points.Keys, wordToComplete, timestamp => Describe(points[timestamp]));
            }
            catch (Exception)
            {
                // A folder that holds no points completes nothing; the command itself will say what is wrong.
                return Array.Empty<CompletionResult>();
            }
        }

        private static string Describe(RollbackPoint point) =>
            $"{point.CreatedAt.LocalDateTime:g}{(point.Name is null ? string.Empty : " " + point.Name)}{(point.SafetyFor is null ? string.Empty : " (safety point)")}";
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
        public static IEnumerable<CompletionResult> Matching(IEnumerable<string> values, string wordToComplete, Func<string, string>? toolTip = null)
        {
            var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            return values.Where(pattern.IsMatch).Select(value =>
            {
                var text = value.Any(c => char.IsWhiteSpace(c) || "'\"`$();,{}@#".Contains(c)) ? "'" + value.Replace("'", "''") + "'" : value;
                return new CompletionResult(text, value, CompletionResultType.ParameterValue, toolTip?.Invoke(value) ?? value);
            }).ToList();
        }

        /// <summary>A path as typed, against the runspace's location when relative.</summary>
        public static string FullPath(string path) => Path.IsPathRooted(path) ? path : Path.Combine(CurrentLocation(), path);

        // Completion runs inside the user's pipeline: the runspace's location is asked through a nested command.
        private static string CurrentLocation()
        {
            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            var location = shell.AddCommand("Microsoft.PowerShell.Management\\Get-Location").Invoke<PathInfo>().FirstOrDefault();
            return location?.ProviderPath ?? Directory.GetCurrentDirectory();
        }
    }
}
