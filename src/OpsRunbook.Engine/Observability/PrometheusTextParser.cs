using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>One sample line: the sample's own name (with _bucket, _sum, _count), its labels and value.</summary>
    public sealed record MetricSampleLine(string Name, IReadOnlyDictionary<string, string> Labels, double Value, long? TimestampMs);

    /// <summary>A metric family: the samples under one # TYPE, with its help text.</summary>
    public sealed class MetricFamily
    {
        public MetricFamily(string name, MetricType type)
        {
            Name = name;
            Type = type;
        }

        public string Name { get; }

        public MetricType Type { get; internal set; }

        public string? Help { get; internal set; }

        public List<MetricSampleLine> Samples { get; } = new();
    }

    /// <summary>
    /// The Prometheus text exposition format (version 0.0.4, and the OpenMetrics text that prometheus-net can also
    /// write): # HELP and # TYPE lines, samples with escaped label values, NaN and ±Inf. Samples of histograms and
    /// summaries (_bucket, _sum, _count) join the family their # TYPE line names.
    /// </summary>
    public static class PrometheusTextParser
    {
        public static IReadOnlyList<MetricFamily> Parse(string text)
        {
            var families = new List<MetricFamily>();
            var byName = new Dictionary<string, MetricFamily>(StringComparer.Ordinal);
            var lineNumber = 0;
            foreach (var rawLine in text.Split('\n'))
            {
                lineNumber++;
                var line = rawLine.TrimEnd('\r').Trim();
                if (line.Length == 0)
                {
                    continue;
                }

                if (line[0] == '#')
                {
                    ReadComment(line, families, byName);
                    continue;
                }

                var sample = ReadSample(line, lineNumber);
                var family = FamilyOf(sample.Name, byName);
                if (family is null)
                {
                    family = new MetricFamily(sample.Name, MetricType.Untyped);
                    families.Add(family);
                    byName[sample.Name] = family;
                }

                family.Samples.Add(sample);
            }

            return families;
        }

        private static void ReadComment(string line, List<MetricFamily> families, Dictionary<string, MetricFamily> byName)
        {
            // "# HELP name text" and "# TYPE name type"; any other comment is ignored.
            var parts = line.Substring(1).TrimStart().Split(' ', 3, StringSplitOptions.None);
            if (parts.Length < 3 || (parts[0] != "HELP" && parts[0] != "TYPE"))
            {
                return;
            }

            var name = parts[1];
            if (!byName.TryGetValue(name, out var family))
            {
                family = new MetricFamily(name, MetricType.Untyped);
                families.Add(family);
                byName[name] = family;
            }

            if (parts[0] == "HELP")
            {
                family.Help = UnescapeHelp(parts[2]);
            }
            else
            {
                family.Type = parts[2].Trim().ToLowerInvariant() switch
                {
                    "counter" => MetricType.Counter,
                    "gauge" => MetricType.Gauge,
                    "histogram" or "gaugehistogram" => MetricType.Histogram,
                    "summary" => MetricType.Summary,
                    _ => MetricType.Untyped,
                };
            }
        }

        // A histogram's or summary's _bucket/_sum/_count samples belong to the family of the base name.
        private static MetricFamily? FamilyOf(string sampleName, Dictionary<string, MetricFamily> byName)
        {
            if (byName.TryGetValue(sampleName, out var exact))
            {
                return exact;
            }

            foreach (var suffix in new[] { "_bucket", "_sum", "_count", "_total", "_created" })
            {
                if (sampleName.EndsWith(suffix, StringComparison.Ordinal) &&
                    byName.TryGetValue(sampleName[..^suffix.Length], out var family) &&
                    (family.Type is MetricType.Histogram or MetricType.Summary || (suffix == "_total" && family.Type == MetricType.Counter)))
                {
                    return family;
                }
            }

            return null;
        }

        internal static MetricSampleLine ReadSample(string line, int lineNumber)
        {
            var position = 0;
            while (position < line.Length && line[position] != '{' && !char.IsWhiteSpace(line[position]))
            {
                position++;
            }

            var name = line[..position];
            if (name.Length == 0)
            {
                throw Malformed(lineNumber, line, "it has no metric name");
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (position < line.Length && line[position] == '{')
            {
                position = ReadLabels(line, position + 1, labels, lineNumber);
            }

            var rest = line[position..].Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (rest.Length == 0)
            {
                throw Malformed(lineNumber, line, "it has no value");
            }

            var value = ParseValue(rest[0]) ?? throw Malformed(lineNumber, line, $"'{rest[0]}' is not a number");
            long? timestamp = rest.Length > 1 && long.TryParse(rest[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? ms : null;
            return new MetricSampleLine(name, labels, value, timestamp);
        }

        private static int ReadLabels(string line, int position, Dictionary<string, string> labels, int lineNumber)
        {
            while (true)
            {
                while (position < line.Length && (line[position] == ' ' || line[position] == ','))
                {
                    position++;
                }

                if (position >= line.Length)
                {
                    throw Malformed(lineNumber, line, "its label set is not closed with }");
                }

                if (line[position] == '}')
                {
                    return position + 1;
                }

                var equals = line.IndexOf('=', position);
                if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"')
                {
                    throw Malformed(lineNumber, line, "a label is not name=\"value\"");
                }

                var labelName = line[position..equals].Trim();
                var value = new StringBuilder();
                position = equals + 2;
                while (true)
                {
                    if (position >= line.Length)
                    {
                        throw Malformed(lineNumber, line, $"the value of label {labelName} is not closed with a quote");
                    }

                    var c = line[position++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\' && position < line.Length)
                    {
                        var escaped = line[position++];
                        value.Append(escaped switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => escaped });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                labels[labelName] = value.ToString();
            }
        }

        /// <summary>
        /// A sample value: a float, NaN, +Inf or -Inf, in any case and also spelled Infinity (as Go's ParseFloat, which
        /// Prometheus uses, reads them; prometheus-net writes Infinity).
        /// </summary>
        public static double? ParseValue(string text) => text.ToLowerInvariant() switch
        {
            "nan" => double.NaN,
            "+inf" or "inf" or "+infinity" or "infinity" => double.PositiveInfinity,
            "-inf" or "-infinity" => double.NegativeInfinity,
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) => value,
            _ => null,
        };

        private static string UnescapeHelp(string text) => text.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

        private static OpsRunbookException Malformed(int lineNumber, string line, string reason) =>
            new(ObservabilityErrors.MetricsParseFailed, FailureCategory.ParserError,
                $"Line {lineNumber} of the metrics is not in the Prometheus text format: {reason}: {Shorten(line)}", lineNumber,
                "Check that the endpoint serves Prometheus text (text/plain; version=0.0.4) or a flat JSON object.");

        private static string Shorten(string line) => line.Length <= 120 ? line : line[..120] + "...";
    }
}
