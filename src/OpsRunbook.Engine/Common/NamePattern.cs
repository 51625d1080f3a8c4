using System.Text.RegularExpressions;

namespace OpsRunbook.Engine.Common
{
    /// <summary>PowerShell-style wildcards (*, ?, [abc]) for names, case-insensitive.</summary>
    public static class NamePattern
    {
        public static bool HasWildcards(string pattern) => pattern.IndexOfAny(new[] { '*', '?', '[' }) >= 0;

        public static bool IsMatch(string name, string pattern)
        {
            if (!HasWildcards(pattern))
            {
                return string.Equals(name, pattern, System.StringComparison.OrdinalIgnoreCase);
            }

            var regex = "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".").Replace(@"\[", "[") + "$";
            return Regex.IsMatch(name, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        }
    }
}
