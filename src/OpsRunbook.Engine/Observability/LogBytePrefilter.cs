using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>
    /// Rules out log lines from their raw bytes before any JSON is parsed, as grep does: a line is a candidate
    /// only when every needle group has a match in it (case-insensitive). It never rules out a line the parser
    /// and the filter would keep: needles are the spellings the parser accepts, numeric levels are checked as the
    /// parser reads them, and a line with a JSON \u escape (which could spell anything) is always a candidate.
    /// </summary>
    public sealed class LogBytePrefilter
    {
        private readonly IReadOnlyList<NeedleGroup> _groups;

        private LogBytePrefilter(IReadOnlyList<NeedleGroup> groups)
        {
            _groups = groups;
        }

        /// <summary>The prefilter of a log filter; null when it has nothing to look for in the bytes (only -Since, or nothing).</summary>
        public static LogBytePrefilter? For(LogFilter filter)
        {
            var groups = new List<NeedleGroup>();
            // Most selective first: the first group is the one searched through whole chunks.
            if (ExactValueGroup(filter.TraceId) is { } trace)
            {
                groups.Add(trace);
            }

            if (ExactValueGroup(filter.Event) is { } eventGroup)
            {
                groups.Add(eventGroup);
            }

            if (filter.Levels.Count > 0)
            {
                var alternatives = filter.Levels.SelectMany(LogLineParser.LevelSpellings).Distinct()
                    .Select(word => (INeedle)new Substring(word)).ToList();
                alternatives.Add(new NumericLevel(filter.Levels));
                alternatives.Add(Substring.Escape);
                groups.Add(new NeedleGroup(alternatives));
            }

            return groups.Count == 0 ? null : new LogBytePrefilter(groups);
        }

        /// <summary>A prefilter that keeps lines holding any of <paramref name="words"/> (case-insensitive).</summary>
        public static LogBytePrefilter AnyOf(IEnumerable<string> words) =>
            new(new[] { new NeedleGroup(words.Where(w => w.Length > 0).Distinct().Select(w => (INeedle)new Substring(w.ToLowerInvariant())).ToList()) });

        // A value must appear as written (any case) unless JSON could have escaped it.
        private static NeedleGroup? ExactValueGroup(string? value)
        {
            if (value is null || value.Any(c => c > 126 || c < 32 || c is '"' or '\\' or '/') || value.All(char.IsDigit))
            {
                return null;
            }

            return new NeedleGroup(new INeedle[] { new Substring(value.ToLowerInvariant()), Substring.Escape });
        }

        /// <summary>
        /// Finds the candidate lines of a chunk of whole lines. <paramref name="lowered"/> is the chunk lower-cased by
        /// <see cref="ToLowerAscii"/>. Writes (start, length) of each candidate, in order.
        /// </summary>
        /// <param name="mayHaveEscapes">False when the chunk has no backslash: no line in it can hide a needle in a \u escape.</param>
        public void FindCandidates(ReadOnlySpan<byte> lowered, List<(int Start, int Length)> candidates, bool mayHaveEscapes = true)
        {
            var anchor = _groups[0].Needles;
            var next = new int[anchor.Count];
            Array.Fill(next, -2);
            for (var i = 0; i < anchor.Count; i++)
            {
                if (!mayHaveEscapes && ReferenceEquals(anchor[i], Substring.Escape))
                {
                    next[i] = -1;
                }
            }

            var position = 0;
            while (position < lowered.Length)
            {
                var hit = int.MaxValue;
                for (var i = 0; i < anchor.Count; i++)
                {
                    if (next[i] == -1)
                    {
                        continue;
                    }

                    if (next[i] < position)
                    {
                        var found = anchor[i].IndexIn(lowered[position..]);
                        next[i] = found < 0 ? -1 : position + found;
                    }

                    if (next[i] >= 0 && next[i] < hit)
                    {
                        hit = next[i];
                    }
                }

                if (hit == int.MaxValue)
                {
                    return;
                }

                var start = lowered[..hit].LastIndexOf((byte)'\n') + 1;
                var end = lowered[hit..].IndexOf((byte)'\n');
                end = end < 0 ? lowered.Length : hit + end;
                var line = lowered[start..end];
                var keep = true;
                for (var g = 1; g < _groups.Count && keep; g++)
                {
                    keep = _groups[g].Matches(line);
                }

                if (keep)
                {
                    candidates.Add((start, end - start));
                }

                position = end + 1;
            }
        }

        /// <summary>ASCII letters to lower case, every other byte as it is (so UTF-8 stays where it was).</summary>
        public static void ToLowerAscii(ReadOnlySpan<byte> source, Span<byte> destination) => ToLowerAscii(source, destination, out _, out _);

        /// <summary>
        /// Lower-cases as above and, in the same pass over the bytes, counts the newlines and notes whether any
        /// backslash occurs: one read of the chunk instead of three.
        /// </summary>
        public static void ToLowerAscii(ReadOnlySpan<byte> source, Span<byte> destination, out int newlines, out bool hasBackslash)
        {
            var i = 0;
            var lines = 0;
            var backslash = false;
            if (Vector256.IsHardwareAccelerated && source.Length >= Vector256<byte>.Count)
            {
                ref var from = ref MemoryMarshal.GetReference(source);
                ref var to = ref MemoryMarshal.GetReference(destination);
                var upperA = Vector256.Create((byte)'A');
                var letters = Vector256.Create((byte)26);
                var bit = Vector256.Create((byte)0x20);
                var newline = Vector256.Create((byte)'\n');
                var slash = Vector256.Create((byte)'\\');
                var anySlash = Vector256<byte>.Zero;
                for (; i <= source.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
                {
                    var bytes = Vector256.LoadUnsafe(ref from, (nuint)i);
                    var isUpper = Vector256.LessThan(bytes - upperA, letters);
                    (bytes | (isUpper & bit)).StoreUnsafe(ref to, (nuint)i);
                    lines += BitOperations.PopCount(Vector256.Equals(bytes, newline).ExtractMostSignificantBits());
                    anySlash |= Vector256.Equals(bytes, slash);
                }

                backslash = anySlash != Vector256<byte>.Zero;
            }

            for (; i < source.Length; i++)
            {
                var b = source[i];
                destination[i] = (uint)(b - 'A') < 26 ? (byte)(b | 0x20) : b;
                lines += b == '\n' ? 1 : 0;
                backslash |= b == '\\';
            }

            newlines = lines;
            hasBackslash = backslash;
        }

        private interface INeedle
        {
            /// <summary>Where the needle first matches in lower-cased text, or -1.</summary>
            int IndexIn(ReadOnlySpan<byte> lowered);
        }

        /// <summary>Alternatives: a line matches the group when one of them is in it.</summary>
        private sealed class NeedleGroup
        {
            public NeedleGroup(IReadOnlyList<INeedle> needles)
            {
                Needles = needles;
            }

            public IReadOnlyList<INeedle> Needles { get; }

            public bool Matches(ReadOnlySpan<byte> line)
            {
                foreach (var needle in Needles)
                {
                    if (needle.IndexIn(line) >= 0)
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        private sealed class Substring : INeedle
        {
            // \u in JSON can spell any character: such a line could hold the needle in escaped form.
            public static readonly Substring Escape = new("\\u");

            private readonly byte[] _bytes;

            public Substring(string lowered)
            {
                _bytes = Encoding.UTF8.GetBytes(lowered);
            }

            public int IndexIn(ReadOnlySpan<byte> lowered) => lowered.IndexOf(_bytes);
        }

        /// <summary>
        /// A level written as a number (pino's "level":50, level=50) that the parser reads as one of the wanted levels.
        /// Found by the stems of the level fields (level also covers levelname, loglevel and log.level), so that a file
        /// with none costs three scans, not one per field name.
        /// </summary>
        private sealed class NumericLevel : INeedle
        {
            private static readonly byte[][] Stems = { "level"u8.ToArray(), "lvl"u8.ToArray(), "severity"u8.ToArray() };

            private readonly HashSet<string> _levels;

            public NumericLevel(IEnumerable<string> levels)
            {
                _levels = new HashSet<string>(levels, StringComparer.Ordinal);
            }

            public int IndexIn(ReadOnlySpan<byte> lowered)
            {
                var best = -1;
                foreach (var stem in Stems)
                {
                    var from = 0;
                    while (from < lowered.Length)
                    {
                        var found = lowered[from..].IndexOf(stem);
                        if (found < 0)
                        {
                            break;
                        }

                        var at = from + found;
                        if (best >= 0 && at >= best)
                        {
                            break;
                        }

                        var rest = lowered[(at + stem.Length)..];
                        if (rest.StartsWith("name"u8))
                        {
                            rest = rest[4..];
                        }

                        if ((rest.Length > 0 && rest[0] == '"' && IsWantedNumber(rest[1..], json: true)) ||
                            (rest.Length > 0 && rest[0] == '=' && IsWantedNumber(rest[1..], json: false)))
                        {
                            best = at;
                            break;
                        }

                        from = at + 1;
                    }
                }

                return best;
            }

            private bool IsWantedNumber(ReadOnlySpan<byte> rest, bool json)
            {
                var i = 0;
                if (json)
                {
                    while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t')
                    {
                        i++;
                    }

                    if (i >= rest.Length || rest[i] != ':')
                    {
                        return false;
                    }

                    i++;
                    while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t')
                    {
                        i++;
                    }
                }

                var start = i;
                while (i < rest.Length && (char.IsAsciiDigit((char)rest[i]) || rest[i] is (byte)'-' or (byte)'.' or (byte)'e' or (byte)'+'))
                {
                    i++;
                }

                return i > start &&
                    double.TryParse(Encoding.ASCII.GetString(rest[start..i]), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) &&
                    LogLineParser.NormalizeLevel(number) is { } level && _levels.Contains(level);
            }
        }
    }
}
