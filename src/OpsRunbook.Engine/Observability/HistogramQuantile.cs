using System;
using System.Collections.Generic;
using System.Linq;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>
    /// A quantile from cumulative histogram buckets, the way PromQL's histogram_quantile() computes it: find the
    /// bucket that holds the rank, then interpolate linearly within it; a rank in the +Inf bucket answers the
    /// highest finite bound.
    /// </summary>
    public static class HistogramQuantile
    {
        /// <returns>Null when there are no observations or no finite bucket.</returns>
        public static double? Compute(double quantile, IReadOnlyList<MetricBucket> cumulativeBuckets)
        {
            var buckets = cumulativeBuckets.Where(b => !double.IsNaN(b.UpperBound)).OrderBy(b => b.UpperBound).ToList();
            if (buckets.Count < 2 || !double.IsPositiveInfinity(buckets[^1].UpperBound))
            {
                return null;
            }

            var total = buckets[^1].Count;
            if (total <= 0 || double.IsNaN(total))
            {
                return null;
            }

            if (quantile <= 0)
            {
                return quantile < 0 ? double.NegativeInfinity : buckets[0].UpperBound > 0 ? 0 : buckets[0].UpperBound;
            }

            if (quantile >= 1)
            {
                return quantile > 1 ? double.PositiveInfinity : buckets[^2].UpperBound;
            }

            var rank = quantile * total;
            var index = buckets.FindIndex(b => b.Count >= rank);
            if (index == buckets.Count - 1)
            {
                return buckets[^2].UpperBound;
            }

            if (index == 0 && buckets[0].UpperBound <= 0)
            {
                return buckets[0].UpperBound;
            }

            var start = index == 0 ? 0 : buckets[index - 1].UpperBound;
            var below = index == 0 ? 0 : buckets[index - 1].Count;
            var inBucket = buckets[index].Count - below;
            if (inBucket <= 0)
            {
                return buckets[index].UpperBound;
            }

            return start + ((buckets[index].UpperBound - start) * (rank - below) / inBucket);
        }
    }
}
