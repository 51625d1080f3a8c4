using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Text.RegularExpressions;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// A parameter's value as it would be typed on the command line, for the incident timeline. Credentials show their
    /// user only, their password is handed to the redaction; secure strings show nothing.
    /// </summary>
    internal static class ParameterText
    {
        private const int MaxItems = 10;

        private static readonly Regex Bare = new(@"^[\w.:/\\\-@*?+=%~,]+$", RegexOptions.CultureInvariant);

        /// <returns>The text; null for a switch that is on, "$false" for one that is off.</returns>
        public static string? Render(object? value, List<string?> secrets)
        {
            value = value is PSObject wrapped ? wrapped.BaseObject : value;
            switch (value)
            {
                case null:
                    return "$null";
                case SwitchParameter flag:
                    return flag.IsPresent ? null : "$false";
                case bool flag:
                    return flag ? "$true" : "$false";
                case PSCredential credential:
                    secrets.Add(credential.GetNetworkCredential().Password);
                    return $"<PSCredential {credential.UserName}>";
                case SecureString:
                    return "<SecureString>";
                case ScriptBlock script:
                    return "{ " + script.ToString().Trim() + " }";
                case string text:
                    return Quote(text);
                case IDictionary table:
                    return "@{ " + string.Join("; ", table.Keys.Cast<object>().Take(MaxItems).Select(k => $"{k} = {Render(table[k], secrets) ?? "$true"}")) + " }";
                case IEnumerable items:
                    var list = items.Cast<object?>().ToList();
                    var shown = list.Take(MaxItems).Select(i => Render(i, secrets) ?? "$true");
                    return string.Join(", ", shown) + (list.Count > MaxItems ? $", ... ({list.Count} in all)" : string.Empty);
                case DateTime time:
                    return Quote(time.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture));
                case DateTimeOffset time:
                    return Quote(time.ToString("yyyy-MM-dd HH:mm:ss.fffzzz", CultureInfo.InvariantCulture));
                case TimeSpan span:
                    return span.ToString("c", CultureInfo.InvariantCulture);
                case Enum:
                case IFormattable:
                    return Quote(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                default:
                    return $"<{TypeName(value)}>";
            }
        }

        /// <summary>The short name PowerShell users know a value's type by.</summary>
        public static string TypeName(object? value)
        {
            value = value is PSObject wrapped ? wrapped.BaseObject : value;
            return value switch
            {
                null => "null",
                Array array => $"{array.GetType().GetElementType()?.Name ?? "Object"}[]",
                _ => value.GetType().Name,
            };
        }

        private static string Quote(string text) => text.Length > 0 && Bare.IsMatch(text) ? text : "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
