using System;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// How much of a heap is not live rows: its size against the pages its live rows would fill, packed to the
    /// table's fillfactor, at the average row width the planner's statistics (pg_stats) record. An estimate:
    /// it assumes rows of average width and ignores alignment inside the row.
    /// </summary>
    public static class TableBloatEstimate
    {
        private const int PageHeaderBytes = 24;
        private const int TupleHeaderBytes = 23;
        private const int LinePointerBytes = 4;
        private const int Alignment = 8;

        /// <param name="heapBytes">Size of the heap's main fork.</param>
        /// <param name="liveRows">Live rows in it.</param>
        /// <param name="columns">Columns of the table (dropped ones left out).</param>
        /// <param name="dataWidth">Sum over the columns of avg_width times the share of rows not null.</param>
        /// <param name="hasNulls">Whether any column has nulls, so rows carry a null bitmap.</param>
        /// <returns>The ratio (0 to 1) and the bytes it stands for.</returns>
        public static (double Ratio, long Bytes) Estimate(long heapBytes, long liveRows, int columns, double dataWidth, bool hasNulls,
            int blockSize, int fillFactor)
        {
            if (heapBytes <= 0)
            {
                return (0, 0);
            }

            var header = Align(TupleHeaderBytes + (hasNulls ? (columns + 7) / 8 : 0));
            var tuple = header + Align((long)Math.Ceiling(Math.Max(0, dataWidth))) + LinePointerBytes;
            var usable = (blockSize - PageHeaderBytes) * Math.Clamp(fillFactor, 10, 100) / 100;
            var rowsPerPage = Math.Max(1, usable / tuple);
            var expectedBytes = (Math.Max(0, liveRows) + rowsPerPage - 1) / rowsPerPage * blockSize;
            var bloat = Math.Max(0, heapBytes - expectedBytes);
            return (Math.Round((double)bloat / heapBytes, 4), bloat);
        }

        private static long Align(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;
    }
}
