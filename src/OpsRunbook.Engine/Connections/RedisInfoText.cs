using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace OpsRunbook.Engine.Connections
{
    /// <summary>The "key:value" lines of Redis INFO, and the "a=1,b=2" values some of them hold (db0, slave0).</summary>
    internal sealed class RedisInfoText
    {
        private readonly Dictionary<string, string> _values;

        private RedisInfoText(Dictionary<string, string> values)
        {
            _values = values;
        }

        public static RedisInfoText Parse(string? text)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in (text ?? string.Empty).Split('\n'))
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && !line.StartsWith('#'))
                {
                    values[line[..colon]] = line[(colon + 1)..].TrimEnd('\r');
                }
            }

            return new RedisInfoText(values);
        }

        public IEnumerable<string> Keys => _values.Keys;

        public string? Text(string key) => _values.TryGetValue(key, out var value) ? value : null;

        public long? Long(string key) => long.TryParse(Text(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

        public double? Double(string key) => double.TryParse(Text(key), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

        /// <summary>The fields of a value such as "keys=12,expires=3,avg_ttl=0".</summary>
        public static IReadOnlyDictionary<string, string> Fields(string value) =>
            value.Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(part => part.Split('=', 2))
                .Where(pair => pair.Length == 2)
                .GroupBy(pair => pair[0], StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.OrdinalIgnoreCase);
    }
}
