using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Npgsql;
using Xunit;

namespace OpsRunbook.Tests.Health
{
    internal static class TestPostgres
    {
        /// <summary>A connection string for the test's own connections: no pool, so closing really closes.</summary>
        public static string ConnectionString => new NpgsqlConnectionStringBuilder
        {
            Host = TestBed.PostgresHost,
            Port = TestBed.PostgresPort,
            Username = TestBed.PostgresUser,
            Password = TestBed.Password,
            Database = TestBed.PostgresDatabase,
            Pooling = false,
            ApplicationName = "OpsRunbook.Tests",
        }.ConnectionString;

        public static async Task<NpgsqlConnection> OpenAsync()
        {
            var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            return connection;
        }

        public static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return (T)(await command.ExecuteScalarAsync())!;
        }

        public static Task<long> ClientBackendsAsync(NpgsqlConnection connection) =>
            ScalarAsync<long>(connection, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'");
    }

    public class PostgresHealthProbeTests
    {
        [Fact]
        public async Task Healthy_with_server_version_and_connection_details()
        {
            string serverVersion;
            int major;
            await using (var connection = await TestPostgres.OpenAsync())
            {
                serverVersion = await TestPostgres.ScalarAsync<string>(connection, "SHOW server_version");
                major = int.Parse(await TestPostgres.ScalarAsync<string>(connection, "SHOW server_version_num")) / 10000;
            }

            var health = await Probe.CheckAsync(TestBed.PostgresUri);

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Null(health.Error);
            Assert.Equal(ServiceKind.Postgres, health.Kind);
            Assert.Equal(serverVersion, health.Version);
            Assert.StartsWith(major.ToString(System.Globalization.CultureInfo.InvariantCulture), health.Version);
            Assert.Equal(30, Probe.Detail(health, "MaxConnections"));
            Assert.InRange((long)Probe.Detail(health, "ConnectionsInUse")!, 1, 30);
            Assert.Equal(TestBed.PostgresDatabase, Probe.Detail(health, "Database"));
            Assert.Equal($"postgres://{TestBed.PostgresUser}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}", health.Target);
            Assert.Equal($"{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}", health.Name);
        }

        [Fact]
        public async Task Wrong_password_is_unhealthy_with_sqlstate_and_never_shows_the_password()
        {
            var wrong = "Wr0ng-" + Guid.NewGuid().ToString("N")[..10];
            var uri = $"postgres://{TestBed.PostgresUser}:{Uri.EscapeDataString(wrong)}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}";

            var health = await Probe.CheckAsync(uri);

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Contains("password authentication failed", health.Error);
            Assert.Contains("SQLSTATE 28P01", health.Error);
            Assert.Contains(TestBed.PostgresUser, health.Error);
            foreach (var text in new[] { health.Error!, health.Target, health.ToString(), JsonSerializer.Serialize(health) })
            {
                Assert.DoesNotContain(wrong, text);
            }
        }

        [Fact]
        public async Task Wrong_password_from_a_credential_is_unhealthy()
        {
            var health = await Probe.CheckAsync(
                $"postgres://{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}",
                credential: new NetworkCredential(TestBed.PostgresUser, TestBed.Password + "x"));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Contains("SQLSTATE 28P01", health.Error);
        }

        [Fact]
        public async Task Unknown_database_is_unhealthy_with_sqlstate()
        {
            var health = await Probe.CheckAsync(
                $"postgres://{TestBed.PostgresUser}:{Uri.EscapeDataString(TestBed.Password)}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/no_such_db");

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Contains("no_such_db", health.Error);
            Assert.Contains("SQLSTATE 3D000", health.Error);
        }

        [Fact]
        public async Task Closed_port_is_connection_refused()
        {
            var clock = Stopwatch.StartNew();
            var health = await Probe.CheckAsync($"postgres://{TestBed.PostgresUser}:{Uri.EscapeDataString(TestBed.Password)}@127.0.0.1:{TestBed.ClosedPort()}/x",
                timeout: TimeSpan.FromSeconds(5));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal("connection refused", health.Error);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        }

        [Fact]
        public async Task Npgsql_key_value_string_probes_the_server()
        {
            var text = $"Host={TestBed.PostgresHost};Port={TestBed.PostgresPort};Username={TestBed.PostgresUser};Password={TestBed.Password};Database={TestBed.PostgresDatabase}";

            var target = Probe.Target(text);
            var health = await Probe.CheckAsync(target);

            Assert.Equal(ServiceKind.Postgres, target.Kind);
            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal(30, Probe.Detail(health, "MaxConnections"));
            SecretAssert.Absent(target.ToString());
        }

        [Fact]
        public async Task Pg_environment_alone_probes_the_server()
        {
            var environment = Env.Of(("PGHOST", TestBed.PostgresHost), ("PGPORT", TestBed.PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("PGUSER", TestBed.PostgresUser), ("PGPASSWORD", TestBed.Password), ("PGDATABASE", TestBed.PostgresDatabase));

            var health = await Probe.CheckAsync(string.Empty, ServiceKind.Postgres, environment: environment);

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal($"{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}", health.Name);
            Assert.Equal(TestBed.PostgresDatabase, Probe.Detail(health, "Database"));
        }

        [Fact]
        public async Task Uri_without_port_or_password_takes_them_from_pgport_and_pgpassword()
        {
            var environment = Env.Of(("PGPORT", TestBed.PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("PGPASSWORD", TestBed.Password));

            var health = await Probe.CheckAsync($"postgresql://{TestBed.PostgresUser}@{TestBed.PostgresHost}/{TestBed.PostgresDatabase}", environment: environment);

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal($"postgres://{TestBed.PostgresUser}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}", health.Target);
        }

        [Fact]
        public async Task Probe_leaves_no_session_behind()
        {
            // Other tests probe the same server at the same time: this probe's sessions carry a name of their own.
            var applicationName = "leak-check-" + Guid.NewGuid().ToString("N")[..8];
            await using var connection = await TestPostgres.OpenAsync();
            var health = await Probe.CheckAsync(TestBed.PostgresUri + "?application_name=" + applicationName);
            Assert.Equal(HealthStatus.Healthy, health.Status);

            // Pooling is off in the probe: its backend ends when the probe ends (allow the server a moment to reap it).
            var deadline = DateTime.UtcNow.AddSeconds(5);
            long left;
            do
            {
                await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = @name", connection);
                command.Parameters.AddWithValue("name", applicationName);
                left = (long)(await command.ExecuteScalarAsync())!;
                if (left == 0)
                {
                    break;
                }

                await Task.Delay(50);
            }
            while (DateTime.UtcNow < deadline);

            Assert.Equal(0, left);
        }
    }

    [Collection("Serial")]
    public class PostgresConnectionShareTests
    {
        [Fact]
        public async Task Degraded_at_80_percent_of_max_connections_and_healthy_again_after()
        {
            var held = new List<NpgsqlConnection>();
            try
            {
                held.Add(await TestPostgres.OpenAsync());
                var max = int.Parse(await TestPostgres.ScalarAsync<string>(held[0], "SHOW max_connections"));
                Assert.Equal(30, max);

                // The probe's own connection makes the 24th of 30 client backends.
                while (await TestPostgres.ClientBackendsAsync(held[0]) < 23)
                {
                    held.Add(await TestPostgres.OpenAsync());
                }

                var health = await Probe.CheckAsync(TestBed.PostgresUri);

                Assert.Equal(HealthStatus.Degraded, health.Status);
                var counts = Regex.Match(health.Error ?? string.Empty, @"^(\d+) of (\d+) connections in use");
                Assert.True(counts.Success, health.Error);
                Assert.InRange(int.Parse(counts.Groups[1].Value), 24, 30);
                Assert.Equal("30", counts.Groups[2].Value);
                Assert.Contains("at or above 80", health.Error);
                Assert.Equal(long.Parse(counts.Groups[1].Value), Probe.Detail(health, "ConnectionsInUse"));
                Assert.Equal(30, Probe.Detail(health, "MaxConnections"));
            }
            finally
            {
                foreach (var connection in held)
                {
                    await connection.DisposeAsync();
                }
            }

            // Once the extra sessions are gone the server is healthy again (backends end a moment after the close).
            var deadline = DateTime.UtcNow.AddSeconds(10);
            ServiceHealth after;
            do
            {
                after = await Probe.CheckAsync(TestBed.PostgresUri);
                if (after.Status == HealthStatus.Healthy)
                {
                    break;
                }

                await Task.Delay(100);
            }
            while (DateTime.UtcNow < deadline);

            Assert.Equal(HealthStatus.Healthy, after.Status);
        }
    }
}
