using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Database;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    /// <summary>
    /// The database tests open several sessions each and watch pg_stat_activity: they run one after another,
    /// beside the other collections (max_connections is 30).
    /// </summary>
    [CollectionDefinition("Database")]
    public sealed class DatabaseCollection
    {
    }

    /// <summary>Connections, sessions and tables of the test bed's PostgreSQL for the database tests.</summary>
    internal static class TestDb
    {
        public const string Superuser = "postgres";

        public static DatabaseConnector Connector(string? connectionString = null, TimeSpan? timeout = null) =>
            new(PostgresConnectionInfo.Parse(connectionString ?? TestBed.PostgresUri, null, Env.None), timeout ?? TimeSpan.FromSeconds(15));

        /// <summary>A name no other test uses: for tables and application_name.</summary>
        public static string Unique(string prefix) => $"orb_{prefix}_{Guid.NewGuid().ToString("N")[..10]}";

        /// <summary>A session of the test's own, unpooled, so disposing it ends its backend.</summary>
        public static async Task<NpgsqlConnection> OpenAsync(string application, string? user = null)
        {
            var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
            {
                Host = TestBed.PostgresHost,
                Port = TestBed.PostgresPort,
                Username = user ?? TestBed.PostgresUser,
                Password = TestBed.Password,
                Database = TestBed.PostgresDatabase,
                Pooling = false,
                ApplicationName = application,
                CommandTimeout = 0,
            }.ConnectionString);
            await connection.OpenAsync();
            return connection;
        }

        public static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        public static async Task ExecuteAsync(string sql, string? user = null)
        {
            await using var connection = await OpenAsync("OpsRunbook.Tests setup", user);
            await ExecuteAsync(connection, sql);
        }

        public static async Task<int> ScalarOnAsync(NpgsqlConnection connection, string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        public static async Task<DateTimeOffset> BackendStartAsync(NpgsqlConnection connection)
        {
            await using var command = new NpgsqlCommand("SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()", connection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return reader.GetFieldValue<DateTimeOffset>(0);
        }

        /// <summary>Starts a statement and returns without waiting for it.</summary>
        public static Task StartAsync(NpgsqlConnection connection, string sql) =>
            Task.Run(async () =>
            {
                await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
                await command.ExecuteNonQueryAsync();
            });

        /// <summary>Polls until the condition holds; fails the test when it does not within the timeout.</summary>
        public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < (timeout ?? TimeSpan.FromSeconds(15)))
            {
                if (await condition())
                {
                    return;
                }

                await Task.Delay(50);
            }

            Assert.Fail($"{what} did not happen within {(timeout ?? TimeSpan.FromSeconds(15)).TotalSeconds} s.");
        }

        /// <summary>Ends, as the superuser, every backend with this application_name: what a test leaves behind.</summary>
        public static async Task TerminateApplicationAsync(string application)
        {
            await using var connection = await OpenAsync("OpsRunbook.Tests cleanup", Superuser);
            await using var command = new NpgsqlCommand(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = @app AND pid <> pg_backend_pid()", connection);
            command.Parameters.AddWithValue("app", application);
            await command.ExecuteNonQueryAsync();
        }

        /// <summary>A table of <paramref name="rows"/> rows, each of them then updated twice: two dead versions per live row.</summary>
        public static async Task CreateBloatedTableAsync(string table, int rows)
        {
            await ExecuteAsync(
                $"CREATE TABLE {table} (id int PRIMARY KEY, payload text) WITH (autovacuum_enabled = false);" +
                $"INSERT INTO {table} SELECT g, repeat('a', 80) FROM generate_series(1, {rows}) g;");
            await ExecuteAsync($"UPDATE {table} SET payload = repeat('b', 80)");
            await ExecuteAsync($"UPDATE {table} SET payload = repeat('c', 80)");
        }

        public static Task DropTableAsync(string table) => ExecuteAsync($"DROP TABLE IF EXISTS {table}", Superuser);

        public static async Task<IReadOnlyList<T>> AllAsync<T>(IAsyncEnumerable<T> items)
        {
            var list = new List<T>();
            await foreach (var item in items)
            {
                list.Add(item);
            }

            return list;
        }

        public static Task<bool> Confirm<T>(T _, CancellationToken __) => Task.FromResult(true);

        public static Task<bool> Decline<T>(T _, CancellationToken __) => Task.FromResult(false);
    }

    /// <summary>psql: the independent witness of what the engine says it did.</summary>
    internal static class Psql
    {
        public static async Task<string> QueryAsync(string sql, string? user = null, string? database = null)
        {
            var start = new ProcessStartInfo(Path.Combine(TestBed.PostgresBin, "psql"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[]
            {
                "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", TestBed.PostgresHost, "-p", TestBed.PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-U", user ?? TestBed.PostgresUser, "-d", database ?? TestBed.PostgresDatabase, "-c", sql,
            })
            {
                start.ArgumentList.Add(argument);
            }

            // The password goes by environment, never on a command line that ps shows.
            start.Environment["PGPASSWORD"] = TestBed.Password;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"psql did not finish within 30 s: {sql}");
            }

            Assert.True(process.ExitCode == 0, $"psql failed ({process.ExitCode}): {await errors}");
            return (await output).Trim();
        }

        public static async Task<long> ScalarAsync(string sql, string? user = null, string? database = null) =>
            long.Parse(await QueryAsync(sql, user, database), System.Globalization.CultureInfo.InvariantCulture);
    }
}
