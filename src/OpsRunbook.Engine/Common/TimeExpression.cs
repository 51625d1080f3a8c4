using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// "Since when", as operators write it: a TimeSpan (how long ago), a DateTime, or text such as
    /// "1h", "30m", "2d", "90s", "01:30:00" or "2026-11-27T10:00:00Z".
    /// </summary>
    public static class TimeExpression
    {
        private static readonly Regex Relative = new(@"^\s*(?<n>\d+(?:\.\d+)?)\s*(?<unit>ms|s|m|h|d|w)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        public static DateTimeOffset ParseSince(object value, DateTimeOffset now, string parameterName)
        {
            switch (value)
            {
                case TimeSpan span when span >= TimeSpan.Zero:
                    return now - span;
                case DateTimeOffset time:
                    return time;
                case DateTime time:
                    return time.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(time, TimeZoneInfo.Local.GetUtcOffset(time)) : new DateTimeOffset(time);
                case string text when Relative.Match(text) is { Success: true } match:
                    var n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
                    return now - match.Groups["unit"].Value.ToLowerInvariant() switch
                    {
                        "ms" => TimeSpan.FromMilliseconds(n),
                        "s" => TimeSpan.FromSeconds(n),
                        "m" => TimeSpan.FromMinutes(n),
                        "h" => TimeSpan.FromHours(n),
                        "d" => TimeSpan.FromDays(n),
                        _ => TimeSpan.FromDays(7 * n),
                    };
                case string text when TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero:
                    return now - span;
                case string text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var time):
                    return time;
                case byte or short or int or long or decimal or double or float:
                    // PowerShell reads 10s as the short 10 and 2d as the decimal 2: the unit never arrives.
                    throw Failures.InvalidArgument(CommonErrors.InvalidSince,
                        $"-{parameterName} {value} is a bare number; PowerShell takes suffixes such as s and d as number types, so the unit was lost.", value,
                        $"Quote it with its unit: -{parameterName} '10s', '15m', '2d'.");
                default:
                    throw Failures.InvalidArgument(CommonErrors.InvalidSince,
                        $"-{parameterName} '{value}' is neither a time span (such as 1h, 30m, 00:15:00) nor a date and time.", value,
                        $"Give -{parameterName} as a TimeSpan ((New-TimeSpan -Minutes 15), '15m', '01:00:00') or a DateTime.");
            }
        }
    }
}
