using System;
using System.Globalization;
using System.Text.RegularExpressions;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Incidents
{
    /// <summary>Incident Ids: INC-yyyyMMdd-NNN, the date of opening in UTC and the day's running number.</summary>
    public static class IncidentId
    {
        public const string Prefix = "INC-";

        // What a store accepts as an Id: it becomes a file name, so no path separators and no dots at the start.
        private static readonly Regex Valid = new(@"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$", RegexOptions.CultureInvariant);

        public static string DayPrefix(DateTimeOffset openedAt) =>
            Prefix + openedAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-";

        public static string Format(DateTimeOffset openedAt, int number) =>
            DayPrefix(openedAt) + number.ToString("D3", CultureInfo.InvariantCulture);

        /// <summary>The running number of an Id of the given day, or null when it is not one.</summary>
        public static int? NumberOf(string id, string dayPrefix) =>
            id.StartsWith(dayPrefix, StringComparison.OrdinalIgnoreCase) &&
            int.TryParse(id.AsSpan(dayPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : null;

        /// <summary>Throws InvalidIncidentId for text that cannot be an Id (a path, a wildcard where none is allowed).</summary>
        public static string Check(string id) =>
            Valid.IsMatch(id)
                ? id
                : throw Failures.InvalidArgument(IncidentErrors.InvalidIncidentId, $"'{id}' is not an incident Id.", id,
                    "Give an Id as Get-Incident shows it, such as INC-20261127-001 (Tab completes them).");
    }
}
