using System;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// A database a restore made for itself: the copy being restored, or the copy it replaced. Known by the OID
    /// it was created with, never by its name alone, so nothing is ever dropped that the command did not make.
    /// </summary>
    internal sealed record ScratchDatabase(string Name, uint Oid);

    /// <summary>
    /// What a scratch database says of itself in its comment while it exists: which command made it, for which
    /// target, from which server session (while that session lives, the command runs), and whether the target was
    /// closed to connections for the swap. The next restore reads it to remove what a killed one left.
    /// </summary>
    internal sealed class ScratchMarker
    {
        public const string Prefix = "OpsRunbook scratch database ";

        private static readonly JsonSerializerOptions Json = new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };

        /// <summary>restore, test, or replaced (the old copy of a target, dropped after the swap).</summary>
        public string Purpose { get; set; } = string.Empty;

        public string Target { get; set; } = string.Empty;

        /// <summary>The target's OID when it existed.</summary>
        public uint? TargetOid { get; set; }

        /// <summary>True from the moment the target is closed to new connections until the swap commits.</summary>
        public bool TargetClosed { get; set; }

        /// <summary>The server process of the session that made it, with that session's start: together they say whether it lives.</summary>
        public int SessionPid { get; set; }

        public string SessionStart { get; set; } = string.Empty;

        public string Host { get; set; } = string.Empty;

        public int ProcessId { get; set; }

        public DateTimeOffset StartedAt { get; set; }

        public string ToComment() => Prefix + JsonSerializer.Serialize(this, Json);

        public static ScratchMarker? FromComment(string? comment)
        {
            if (comment is null || !comment.StartsWith(Prefix, StringComparison.Ordinal))
            {
                return null;
            }

            try
            {
                return JsonSerializer.Deserialize<ScratchMarker>(comment[Prefix.Length..], Json);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        public override string ToString() =>
            $"{Purpose} of {Target} started {StartedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC by process {ProcessId} on {Host}";
    }

    internal static class ScratchNames
    {
        /// <summary>PostgreSQL's limit on a name, in bytes (NAMEDATALEN - 1); longer names are cut by the server.</summary>
        public const int MaxBytes = 63;

        /// <summary>
        /// "orders__restore_20261127150102_3fa9": the target's name cut to fit PostgreSQL's 63 bytes whole characters at a
        /// time, so the server never cuts it back to the target's own name. The random part keeps two in the same second apart.
        /// </summary>
        public static string For(string database, string purpose)
        {
            var suffix = $"__{purpose}_{DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}_{Guid.NewGuid().ToString("N")[..4]}";
            return Cut(database, MaxBytes - Encoding.UTF8.GetByteCount(suffix)) + suffix;
        }

        /// <summary>The longest start of <paramref name="text"/> of at most <paramref name="bytes"/> UTF-8 bytes, never half a character.</summary>
        public static string Cut(string text, int bytes)
        {
            var length = 0;
            var used = 0;
            var enumerator = StringInfo.GetTextElementEnumerator(text);
            while (enumerator.MoveNext())
            {
                var element = (string)enumerator.Current;
                var size = Encoding.UTF8.GetByteCount(element);
                if (used + size > bytes)
                {
                    break;
                }

                used += size;
                length += element.Length;
            }

            return text[..length];
        }
    }
}
