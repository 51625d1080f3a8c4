using System;
using System.Collections;

namespace OpsRunbook
{
    /// <summary>One value of a series at one time, as Prometheus returned it.</summary>
    public sealed class PrometheusSample
    {
        public PrometheusSample(DateTimeOffset timestamp, double value)
        {
            Timestamp = timestamp;
            Value = value;
        }

        public DateTimeOffset Timestamp { get; }

        public double Value { get; }

        public override string ToString() => $"{Timestamp:u} {Value}";
    }

    /// <summary>One series of a PromQL result: its labels and its value (instant query) or values (range query).</summary>
    public sealed class PrometheusSeries
    {
        private static readonly PrometheusSample[] NoSamples = Array.Empty<PrometheusSample>();

        public PrometheusSeries(string query, string resultType, Hashtable metric)
        {
            Query = query;
            ResultType = resultType;
            Metric = metric;
        }

        /// <summary>The metric name (__name__), when the result keeps it.</summary>
        public string? Name => Metric["__name__"] as string;

        /// <summary>The series' labels, __name__ included when present.</summary>
        public Hashtable Metric { get; }

        /// <summary>The value of an instant query (vector or scalar); null for a range query.</summary>
        public double? Value { get; init; }

        /// <summary>The evaluation time of an instant query's value.</summary>
        public DateTimeOffset? Timestamp { get; init; }

        /// <summary>The values of a range query, oldest first; empty for an instant query.</summary>
        public PrometheusSample[] Values { get; init; } = NoSamples;

        /// <summary>vector, matrix, scalar or string, as Prometheus named the result.</summary>
        public string ResultType { get; }

        public string Query { get; }

        public override string ToString() => $"{LabelText.Format(Metric)} {(Value is double v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Values.Length} values")}";
    }
}
