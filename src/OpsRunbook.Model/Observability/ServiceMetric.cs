using System;
using System.Collections;

namespace OpsRunbook
{
    /// <summary>What kind of metric a series is, as its # TYPE line says (Json for a flat JSON document's fields).</summary>
    public enum MetricType
    {
        Untyped,
        Counter,
        Gauge,
        Histogram,
        Summary,
        Json,
    }

    /// <summary>One bucket of a histogram: how many observations were at most UpperBound.</summary>
    public sealed class MetricBucket
    {
        public MetricBucket(double upperBound, double count)
        {
            UpperBound = upperBound;
            Count = count;
        }

        /// <summary>The bucket's le label; +Inf for the last.</summary>
        public double UpperBound { get; }

        /// <summary>Cumulative count (all observations at or below UpperBound); within -Interval, the increase.</summary>
        public double Count { get; }

        public override string ToString() => $"le={UpperBound} {Count}";
    }

    /// <summary>One series of a service's own metrics endpoint: a counter, gauge, histogram, summary or JSON field.</summary>
    public sealed class ServiceMetric
    {
        private static readonly MetricBucket[] NoBuckets = Array.Empty<MetricBucket>();

        public ServiceMetric(string name, MetricType type, Hashtable labels)
        {
            Name = name;
            Type = type;
            Labels = labels;
        }

        public string Name { get; }

        public MetricType Type { get; }

        /// <summary>The series' labels (le and quantile excluded: they are in Buckets and the percentiles).</summary>
        public Hashtable Labels { get; }

        /// <summary>Counters, gauges and JSON fields: the value at the (last) scrape. Histograms and summaries: null.</summary>
        public double? Value { get; init; }

        /// <summary>With -Interval: the counter's (or histogram's, summary's) increase per second between the two scrapes.</summary>
        public double? Rate { get; init; }

        /// <summary>Histograms and summaries: how many observations (_count).</summary>
        public double? Count { get; init; }

        /// <summary>Histograms and summaries: the sum of the observations (_sum).</summary>
        public double? Sum { get; init; }

        /// <summary>Histograms: 50th, 95th and 99th percentile from the buckets (within -Interval: of that interval only). Summaries: as the service computed them.</summary>
        public double? P50 { get; init; }

        public double? P95 { get; init; }

        public double? P99 { get; init; }

        /// <summary>Histograms: the buckets, cumulative, lowest first.</summary>
        public MetricBucket[] Buckets { get; init; } = NoBuckets;

        /// <summary>Summaries: quantile (as text, "0.5") to value.</summary>
        public Hashtable? Quantiles { get; init; }

        /// <summary>The # HELP text.</summary>
        public string? Help { get; init; }

        /// <summary>The endpoint it was read from.</summary>
        public string Source { get; init; } = string.Empty;

        public DateTimeOffset ScrapedAt { get; init; }

        /// <summary>The time between the two scrapes of -Interval; null for one scrape.</summary>
        public TimeSpan? Interval { get; init; }

        public override string ToString() => $"{LabelText.Format(Labels, Name)} {Value ?? Count}";
    }
}
