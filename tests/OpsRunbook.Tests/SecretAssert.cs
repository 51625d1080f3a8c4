using System.Text.Json;
using Xunit;

namespace OpsRunbook.Tests
{
    /// <summary>The test bed's password must appear nowhere a user could see it.</summary>
    internal static class SecretAssert
    {
        public static void Absent(ServiceHealth health)
        {
            Absent(health.ToString());
            Absent(JsonSerializer.Serialize(health));
            Absent(health.Error);
            Absent(health.Target);
        }

        public static void Absent(OpsRunbookException exception)
        {
            Absent(exception.ToString());
            Absent(exception.Message);
            Absent(exception.RecommendedAction);
            Absent(exception.TargetObject?.ToString());
        }

        public static void Absent(string? text)
        {
            if (text is null)
            {
                return;
            }

            Assert.DoesNotContain(TestBed.Password, text);
            Assert.DoesNotContain(System.Uri.EscapeDataString(TestBed.Password), text);
        }
    }
}
