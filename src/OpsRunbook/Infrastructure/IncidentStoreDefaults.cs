using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// The values $PSDefaultParameterValues gives a command's parameter, as PowerShell binds them: one value from the
    /// entries whose command pattern matches, none when they disagree. For the incident store outside the incident
    /// cmdlets themselves (completion, -IncidentId).
    /// </summary>
    internal static class IncidentStoreDefaults
    {
        /// <summary>A command whose -Store and -StoreCredential defaults are the incident cmdlets' ($PSDefaultParameterValues['*-Incident*:Store']).</summary>
        public const string IncidentCommand = "Add-IncidentNote";

        public static object? Find(IDictionary? defaults, string commandName, string parameterName)
        {
            if (defaults is null)
            {
                return null;
            }

            var values = new List<object>();
            foreach (DictionaryEntry entry in defaults)
            {
                if (entry.Key is string key && key.Split(':') is [var command, var parameter] &&
                    parameter.Trim().Equals(parameterName, StringComparison.OrdinalIgnoreCase) &&
                    new WildcardPattern(command.Trim(), WildcardOptions.IgnoreCase).IsMatch(commandName) && Unwrap(entry.Value) is { } value)
                {
                    values.Add(value);
                }
            }

            return values.Distinct().Count() == 1 ? values[0] : null;
        }

        // Values set from script (Join-Path's output, say) arrive wrapped.
        public static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
    }
}
