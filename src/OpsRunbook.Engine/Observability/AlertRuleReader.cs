using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using OpsRunbook.Engine.Common;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>
    /// Reads alerting rules from YAML: a Prometheus rule file (groups: - name: rules: - alert:), or a bare list of
    /// rules as the seeds' runbooks write them (- alert: HighLatency / expr: / for: / labels: / annotations:), or one
    /// rule. A rule with metric:, operator: and threshold: instead of expr: is a threshold on a service's own metric.
    /// Recording rules (record:) are skipped. Every error names the file and the line.
    /// </summary>
    public static class AlertRuleReader
    {
        private static readonly string[] RuleFields = { "alert", "expr", "for", "keep_firing_for", "labels", "annotations", "metric", "operator", "threshold" };
        private static readonly string[] Operators = { ">", ">=", "<", "<=", "==", "!=" };
        private static readonly Regex Duration = new(@"^(?:(?<n>\d+(?:\.\d+)?)(?<unit>ms|s|m|h|d|w|y))+$", RegexOptions.CultureInvariant);
        private static readonly Regex DurationPart = new(@"(?<n>\d+(?:\.\d+)?)(?<unit>ms|s|m|h|d|w|y)", RegexOptions.CultureInvariant);

        public static IReadOnlyList<AlertRule> ReadFile(string path)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new OpsRunbookException(ObservabilityErrors.RuleFileNotFound, FailureCategory.ObjectNotFound, $"The rule file '{path}' does not exist.", path,
                    "Check the path; wildcards such as ./rules/*.yaml are allowed.", ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new OpsRunbookException(ObservabilityErrors.RuleFileUnreadable, FailureCategory.ReadError, $"The rule file '{path}' cannot be read: {ex.Message}", path,
                    "Check the file's permissions.", ex);
            }

            return Read(text, path);
        }

        public static IReadOnlyList<AlertRule> Read(string yaml, string path)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(yaml));
            }
            catch (YamlException ex)
            {
                throw Malformed(path, (int)ex.Start.Line, $"it is not valid YAML: {Inner(ex).Message}");
            }

            var rules = new List<AlertRule>();
            foreach (var document in stream.Documents)
            {
                switch (document.RootNode)
                {
                    case YamlMappingNode root when Child(root, "groups") is { } groups:
                        if (groups is not YamlSequenceNode groupList)
                        {
                            throw Malformed(path, Line(groups), "groups: is not a list");
                        }

                        foreach (var group in groupList)
                        {
                            if (group is not YamlMappingNode groupMap)
                            {
                                throw Malformed(path, Line(group), "a group is not a mapping with name: and rules:");
                            }

                            var name = Scalar(groupMap, "name", path);
                            if (Child(groupMap, "rules") is not YamlSequenceNode groupRules)
                            {
                                throw Malformed(path, Line(groupMap), $"the group '{name}' has no rules: list");
                            }

                            ReadRules(groupRules, name, path, rules);
                        }

                        break;
                    case YamlMappingNode single when Child(single, "alert") is not null || Child(single, "record") is not null:
                        ReadRules(new YamlSequenceNode(single), null, path, rules);
                        break;
                    case YamlSequenceNode list:
                        ReadRules(list, null, path, rules);
                        break;
                    case null:
                        break;
                    default:
                        throw Malformed(path, Line(document.RootNode), "it is neither a rule file (groups:) nor a list of rules (- alert:)");
                }
            }

            return rules;
        }

        private static void ReadRules(YamlSequenceNode list, string? group, string path, List<AlertRule> rules)
        {
            foreach (var node in list)
            {
                if (node is not YamlMappingNode rule)
                {
                    throw Malformed(path, Line(node), "a rule is not a mapping of alert:, expr:, for:, labels: and annotations:");
                }

                if (Child(rule, "record") is not null)
                {
                    continue;
                }

                var name = Scalar(rule, "alert", path) ?? throw Malformed(path, Line(rule), "the rule has no alert: name");
                foreach (var key in rule.Children.Keys.OfType<YamlScalarNode>())
                {
                    if (!RuleFields.Contains(key.Value, StringComparer.Ordinal))
                    {
                        throw Malformed(path, Line(key), $"the rule '{name}' has the unknown field '{key.Value}'; the fields are {string.Join(", ", RuleFields)}");
                    }
                }

                var expr = Scalar(rule, "expr", path);
                var metric = Scalar(rule, "metric", path);
                if ((expr is null) == (metric is null))
                {
                    throw Malformed(path, Line(rule), $"the rule '{name}' needs either expr: (PromQL) or metric:, operator: and threshold:");
                }

                string? op = null;
                double? threshold = null;
                if (metric is not null)
                {
                    op = NormalizeOperator(Scalar(rule, "operator", path)) ??
                        throw Malformed(path, Line(Child(rule, "operator") ?? rule), $"the rule '{name}' needs operator: one of {string.Join(" ", Operators)} (or gt, ge, lt, le, eq, ne)");
                    var thresholdText = Scalar(rule, "threshold", path);
                    threshold = thresholdText is not null && double.TryParse(thresholdText, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? t
                        : throw Malformed(path, Line(Child(rule, "threshold") ?? rule), $"the rule '{name}' needs threshold: a number");
                }

                var labels = Map(rule, "labels", path);
                var annotations = Map(rule, "annotations", path);
                var forNode = Child(rule, "for");
                rules.Add(new AlertRule(name, path, Line(rule))
                {
                    Group = group,
                    Expression = expr,
                    Metric = metric,
                    Operator = op,
                    Threshold = threshold,
                    For = forNode is null ? TimeSpan.Zero : ParseDuration(Scalar(rule, "for", path) ?? string.Empty, path, Line(forNode), name),
                    Severity = labels["severity"] as string,
                    Labels = labels,
                    Annotations = annotations,
                    Summary = annotations["summary"] as string,
                });
            }
        }

        /// <summary>A Prometheus duration: 5m, 1h30m, 90s, 500ms.</summary>
        public static TimeSpan ParseDuration(string text, string path, int line, string rule)
        {
            if (!Duration.IsMatch(text.Trim()))
            {
                throw Malformed(path, line, $"the rule '{rule}' has for: '{text}', which is not a duration such as 30s, 5m or 1h30m");
            }

            var total = TimeSpan.Zero;
            foreach (Match part in DurationPart.Matches(text))
            {
                var n = double.Parse(part.Groups["n"].Value, CultureInfo.InvariantCulture);
                total += part.Groups["unit"].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(n),
                    "s" => TimeSpan.FromSeconds(n),
                    "m" => TimeSpan.FromMinutes(n),
                    "h" => TimeSpan.FromHours(n),
                    "d" => TimeSpan.FromDays(n),
                    "w" => TimeSpan.FromDays(7 * n),
                    _ => TimeSpan.FromDays(365 * n),
                };
            }

            return total;
        }

        private static string? NormalizeOperator(string? text) => text?.Trim().ToLowerInvariant() switch
        {
            ">" or "gt" => ">",
            ">=" or "ge" or "gte" => ">=",
            "<" or "lt" => "<",
            "<=" or "le" or "lte" => "<=",
            "==" or "=" or "eq" => "==",
            "!=" or "ne" => "!=",
            _ => null,
        };

        private static YamlNode? Child(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        private static string? Scalar(YamlMappingNode map, string key, string path) => Child(map, key) switch
        {
            null => null,
            YamlScalarNode scalar => scalar.Value,
            var other => throw Malformed(path, Line(other), $"{key}: should be a single value"),
        };

        private static Hashtable Map(YamlMappingNode rule, string key, string path)
        {
            var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
            switch (Child(rule, key))
            {
                case null:
                    return table;
                case YamlMappingNode map:
                    foreach (var (name, value) in map.Children)
                    {
                        table[((YamlScalarNode)name).Value ?? string.Empty] = value is YamlScalarNode scalar
                            ? scalar.Value
                            : throw Malformed(path, Line(value), $"{key}.{name} should be a single value");
                    }

                    return table;
                case var other:
                    throw Malformed(path, Line(other), $"{key}: should be a mapping of names to values");
            }
        }

        private static int Line(YamlNode node) => (int)node.Start.Line;

        private static Exception Inner(Exception exception) => exception.InnerException is YamlException inner ? inner : exception;

        private static OpsRunbookException Malformed(string path, int line, string reason) =>
            new(ObservabilityErrors.RuleFileInvalid, FailureCategory.ParserError, $"The rule file '{path}', line {line}: {reason}.", $"{path}:{line}",
                "Fix the file at that line: a Prometheus rule file has groups: - name: rules: - alert: expr: for: labels: annotations:.");
    }
}
