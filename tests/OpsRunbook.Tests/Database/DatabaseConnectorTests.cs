using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    public class DatabaseConnectorTests
    {
        private static async Task<OpsRunbookException> FailsAsync(string connectionString)
        {
            var reader = new DatabaseActivityReader(TestDb.Connector(connectionString, TimeSpan.FromSeconds(5)));
            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => reader.ReadAsync(new ActivityFilter(), OperationReporter.None, CancellationToken.None));
            SecretAssert.Absent(ex);
            Assert.NotNull(ex.RecommendedAction);
            return ex;
        }

        [Fact]
        public async Task Wrong_password_is_AuthenticationFailed_and_never_shows_a_password()
        {
            var wrong = "Wr0ng-" + Guid.NewGuid().ToString("N")[..10];
            var ex = await FailsAsync($"postgres://{TestBed.PostgresUser}:{wrong}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}");

            Assert.Equal("AuthenticationFailed", ex.ErrorId);
            Assert.Equal(FailureCategory.AuthenticationError, ex.Category);
            Assert.Contains("SQLSTATE 28P01", ex.Message);
            Assert.DoesNotContain(wrong, ex.ToString());
            Assert.Equal($"postgres://{TestBed.PostgresUser}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}", ex.TargetObject);
        }

        [Fact]
        public async Task Unknown_database_is_DatabaseNotFound()
        {
            var ex = await FailsAsync($"postgres://{TestBed.PostgresUser}:{Uri.EscapeDataString(TestBed.Password)}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/no_such_db");

            Assert.Equal("DatabaseNotFound", ex.ErrorId);
            Assert.Equal(FailureCategory.ObjectNotFound, ex.Category);
            Assert.Contains("SQLSTATE 3D000", ex.Message);
        }

        [Fact]
        public async Task Closed_port_is_ConnectionFailed_at_once()
        {
            var clock = Stopwatch.StartNew();
            var ex = await FailsAsync($"postgres://{TestBed.PostgresUser}:{Uri.EscapeDataString(TestBed.Password)}@127.0.0.1:{TestBed.ClosedPort()}/x");

            Assert.Equal("ConnectionFailed", ex.ErrorId);
            Assert.Equal(FailureCategory.ConnectionError, ex.Category);
            Assert.Contains("connection refused", ex.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");
        }

        [Fact]
        public async Task Connections_are_not_pooled_and_say_who_they_are()
        {
            var application = TestDb.Unique("conn");
            var connector = TestDb.Connector();
            await using (var connection = await connector.OpenAsync("test purpose", CancellationToken.None))
            {
                Assert.Equal("OpsRunbook test purpose", await Psql.QueryAsync($"SELECT application_name FROM pg_stat_activity WHERE pid = {connection.ProcessID}"));
            }

            // Closed means gone: nothing stays idle in a pool on the server.
            await using (var named = await TestDb.Connector(TestBed.PostgresUri + "?application_name=" + application).OpenAsync("x", CancellationToken.None))
            {
                Assert.Equal(1, await Psql.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application}'"));
            }

            await TestDb.WaitUntilAsync(async () => await Psql.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application}'") == 0,
                "the closed connection's backend ending");
        }
    }
}
