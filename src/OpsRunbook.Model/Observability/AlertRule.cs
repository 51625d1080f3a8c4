using System;
using System.Collections;

namespace OpsRunbook
{
    /// <summary>Where an alert is: Inactive (condition false), Pending (true, not yet for its For), Firing.</summary>
    public enum AlertState
    {
        Inactive,
        Pending,
        Firing,
    }

    /// <summary>
    /// An alerting rule from a Prometheus rule file or a seed's rule block: a PromQL Expression, or a
    /// threshold on a service's own metric (Metric, Operator, Threshold) where no Prometheus runs.
    /// </summary>
    public sealed class AlertRule
    {
        private static readonly Hashtable Empty = new();

        public AlertRule(string name, string path, int line)
        {
            Name = name;
            Path = path;
            Line = line;
        }

        /// <summary>The alert: field.</summary>
        public string Name { get; }

        /// <summary>The rule group, when the file has groups.</summary>
        public string? Group { get; init; }

        /// <summary>The PromQL expression (expr:); null for a threshold rule.</summary>
        public string? Expression { get; init; }

        /// <summary>For a threshold rule: the metric of the service's endpoint (error_rate, or a series such as http_requests_total{status="500"}).</summary>
        public string? Metric { get; init; }

        /// <summary>For a threshold rule: &gt;, &gt;=, &lt;, &lt;=, == or !=.</summary>
        public string? Operator { get; init; }

        public double? Threshold { get; init; }

        /// <summary>How long the condition must hold before the alert fires (for:).</summary>
        public TimeSpan For { get; init; }

        /// <summary>labels.severity.</summary>
        public string? Severity { get; init; }

        public Hashtable Labels { get; init; } = Empty;

        public Hashtable Annotations { get; init; } = Empty;

        /// <summary>annotations.summary.</summary>
        public string? Summary { get; init; }

        /// <summary>The rule file.</summary>
        public string Path { get; }

        /// <summary>The line of the rule in its file.</summary>
        public int Line { get; }

        public override string ToString() => $"{Name}: {Expression ?? $"{Metric} {Operator} {Threshold}"}";
    }

    /// <summary>What Test-AlertRule found for one rule.</summary>
    public sealed class AlertRuleResult
    {
        private static readonly Hashtable Empty = new();

        public AlertRuleResult(string name, AlertState state)
        {
            Name = name;
            State = state;
        }

        public string Name { get; }

        public string? Severity { get; init; }

        public AlertState State { get; }

        /// <summary>The expression's value now (the largest, when several series); null when it has none.</summary>
        public double? Value { get; init; }

        /// <summary>The summary annotation, with {{ $value }} and {{ $labels.x }} filled in.</summary>
        public string? Summary { get; init; }

        /// <summary>The labels of the series that holds the Value.</summary>
        public Hashtable Labels { get; init; } = Empty;

        /// <summary>How many series meet the condition now.</summary>
        public int ActiveSeries { get; init; }

        /// <summary>The expression or threshold that was evaluated.</summary>
        public string Condition { get; init; } = string.Empty;

        public TimeSpan For { get; init; }

        public DateTimeOffset EvaluatedAt { get; init; }

        /// <summary>The rule as read.</summary>
        public AlertRule? Rule { get; init; }

        public override string ToString() => $"{Name}: {State}{(Value is double v ? $" ({v.ToString(System.Globalization.CultureInfo.InvariantCulture)})" : string.Empty)}";
    }

    /// <summary>An alert Prometheus itself reports (GET /api/v1/alerts).</summary>
    public sealed class PrometheusAlert
    {
        private static readonly Hashtable Empty = new();

        public PrometheusAlert(string name, AlertState state)
        {
            Name = name;
            State = state;
        }

        public string Name { get; }

        public AlertState State { get; }

        public string? Severity { get; init; }

        public string? Summary { get; init; }

        public Hashtable Labels { get; init; } = Empty;

        public Hashtable Annotations { get; init; } = Empty;

        /// <summary>When the condition started to hold.</summary>
        public DateTimeOffset? ActiveAt { get; init; }

        public double? Value { get; init; }

        /// <summary>The Prometheus that reported it.</summary>
        public string Source { get; init; } = string.Empty;

        public override string ToString() => $"{Name}: {State}";
    }
}
