using System;
using System.Globalization;

namespace OpsRunbook
{
    /// <summary>Durations as the format views and ToString show them.</summary>
    public static class DurationText
    {
        /// <summary>01:02:03.4 under a day, 2.01:02:03 beyond; null for null.</summary>
        public static string? Format(TimeSpan? duration) => duration switch
        {
            null => null,
            TimeSpan d when d.Days > 0 => d.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture),
            TimeSpan d => d.ToString(@"hh\:mm\:ss\.f", CultureInfo.InvariantCulture),
        };
    }
}
