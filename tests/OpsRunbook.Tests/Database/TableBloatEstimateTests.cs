using OpsRunbook.Engine.Database;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    public class TableBloatEstimateTests
    {
        // Rows of two columns, 4 + 81 bytes wide: 24 header + 88 data + 4 line pointer = 116 bytes, 70 to an 8 kB page.
        private const double Width = 85;

        [Fact]
        public void A_heap_packed_with_live_rows_has_no_bloat()
        {
            var (ratio, bytes) = TableBloatEstimate.Estimate(heapBytes: 100 * 8192, liveRows: 7000, columns: 2, dataWidth: Width, hasNulls: false, blockSize: 8192, fillFactor: 100);

            Assert.Equal(0, ratio);
            Assert.Equal(0, bytes);
        }

        [Fact]
        public void Two_dead_versions_per_live_row_are_two_thirds_bloat()
        {
            var (ratio, bytes) = TableBloatEstimate.Estimate(300 * 8192, 7000, 2, Width, false, 8192, 100);

            Assert.Equal(0.6667, ratio, 3);
            Assert.Equal(200 * 8192, bytes);
        }

        [Fact]
        public void Fillfactor_space_is_not_bloat()
        {
            // At fillfactor 50, 35 rows go to a page: 7000 rows need 200 pages.
            Assert.Equal(0, TableBloatEstimate.Estimate(200 * 8192, 7000, 2, Width, false, 8192, 50).Ratio);
        }

        [Fact]
        public void An_empty_heap_and_a_heap_without_live_rows()
        {
            Assert.Equal((0d, 0L), TableBloatEstimate.Estimate(0, 0, 2, Width, false, 8192, 100));
            Assert.Equal((1d, 10L * 8192), TableBloatEstimate.Estimate(10 * 8192, 0, 2, Width, false, 8192, 100));
        }

        [Fact]
        public void Nulls_add_a_bitmap_to_each_row()
        {
            // 9 columns with nulls: 23 + 2 bitmap bytes round up to a 32-byte header.
            var withoutNulls = TableBloatEstimate.Estimate(1000 * 8192, 60_000, 9, 60, false, 8192, 100);
            var withNulls = TableBloatEstimate.Estimate(1000 * 8192, 60_000, 9, 60, true, 8192, 100);

            Assert.True(withNulls.Ratio < withoutNulls.Ratio);
        }
    }
}
