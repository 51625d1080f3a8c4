using System;
using System.Collections.Generic;
using System.Linq;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// Chooses databases or tables by the names and wildcards a user typed. A pattern with a dot is held
    /// against schema.name, one without against the name alone. A name without wildcards must exist: it is
    /// matched exactly first (PostgreSQL names are case-sensitive), then ignoring case; matching nothing is an error.
    /// </summary>
    internal static class CatalogNames
    {
        public static IReadOnlyList<T> Select<T>(IReadOnlyList<T> items, Func<T, string> name, Func<T, string> qualifiedName,
            IReadOnlyCollection<string> patterns, Func<string, OpsRunbookException> notFound)
        {
            if (patterns.Count == 0)
            {
                return items;
            }

            var chosen = new HashSet<T>();
            foreach (var pattern in patterns)
            {
                var key = pattern.Contains('.') ? qualifiedName : name;
                IEnumerable<T> matches;
                if (NamePattern.HasWildcards(pattern))
                {
                    matches = items.Where(i => NamePattern.IsMatch(key(i), pattern));
                }
                else
                {
                    matches = items.Where(i => string.Equals(key(i), pattern, StringComparison.Ordinal)).ToList();
                    if (!matches.Any())
                    {
                        matches = items.Where(i => string.Equals(key(i), pattern, StringComparison.OrdinalIgnoreCase)).ToList();
                    }

                    if (!matches.Any())
                    {
                        throw notFound(pattern);
                    }
                }

                chosen.UnionWith(matches);
            }

            return items.Where(chosen.Contains).ToList();
        }

        public static bool MatchesAny(string? value, IReadOnlyCollection<string> patterns) =>
            patterns.Count == 0 || (value is not null && patterns.Any(p => NamePattern.IsMatch(value, p)));
    }
}
