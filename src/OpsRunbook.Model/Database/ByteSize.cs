using System;
using System.Globalization;

namespace OpsRunbook
{
    /// <summary>Byte counts in the units pg_size_pretty uses (bytes, kB, MB, GB, TB; 1 kB = 1024 bytes).</summary>
    public static class ByteSize
    {
        private static readonly string[] Units = { "kB", "MB", "GB", "TB", "PB" };

        public static string? Format(long? bytes)
        {
            if (bytes is not long value)
            {
                return null;
            }

            if (Math.Abs(value) < 1024)
            {
                return value.ToString(CultureInfo.InvariantCulture) + " bytes";
            }

            double scaled = value;
            var unit = -1;
            while (Math.Abs(scaled) >= 1024 && unit < Units.Length - 1)
            {
                scaled /= 1024;
                unit++;
            }

            return scaled.ToString(Math.Abs(scaled) < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + Units[unit];
        }
    }
}
