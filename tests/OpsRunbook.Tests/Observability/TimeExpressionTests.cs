using System;
using OpsRunbook.Engine.Common;
using Xunit;

namespace OpsRunbook.Tests.Observability
{
    public class TimeExpressionTests
    {
        private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

        [Theory]
        [InlineData("1h", 60)]
        [InlineData("30m", 30)]
        [InlineData("90s", 1.5)]
        [InlineData("2d", 2880)]
        [InlineData("01:15:00", 75)]
        public void Relative_text_counts_back_from_now(string text, double minutes)
        {
            Assert.Equal(Now.AddMinutes(-minutes), TimeExpression.ParseSince(text, Now, "Since"));
        }

        [Fact]
        public void TimeSpans_and_dates_are_taken_as_they_are()
        {
            Assert.Equal(Now.AddMinutes(-5), TimeExpression.ParseSince(TimeSpan.FromMinutes(5), Now, "Since"));
            var date = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
            Assert.Equal(date, TimeExpression.ParseSince(date, Now, "Since"));
            Assert.Equal(date, TimeExpression.ParseSince(date.UtcDateTime, Now, "Since"));
            Assert.Equal(date, TimeExpression.ParseSince("2026-11-01T00:00:00Z", Now, "Since"));
        }

        [Theory]
        [InlineData("yesterday-ish")]
        [InlineData("-5m")]
        public void Anything_else_is_InvalidSince_naming_the_parameter(string text)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => TimeExpression.ParseSince(text, Now, "Since"));

            Assert.Equal("InvalidSince", ex.ErrorId);
            Assert.Contains("-Since", ex.Message);
        }
    }
}
