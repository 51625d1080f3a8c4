using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Stores;
using OpsRunbook.Tests.Database;
using Xunit;

namespace OpsRunbook.Tests.Incidents
{
    /// <summary>
    /// The store contract against the team store on the test bed's PostgreSQL, each test in a database of its own.
    /// In the Database collection: the concurrency test holds ten connections at once.
    /// </summary>
    [Collection("Database")]
    public sealed class PostgresIncidentStoreTests : IncidentStoreContract, IAsyncLifetime
    {
        private readonly List<string> _databases = new();
        private readonly List<string> _roles = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            foreach (var database in _databases)
            {
                await SuperuserAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            }

            foreach (var role in _roles)
            {
                await SuperuserAsync($"DROP ROLE IF EXISTS {role}");
            }
        }

        protected override IIncidentStore NewStore() => Store(NewDatabase(), TestBed.PostgresUser);

        protected override IIncidentStore Reopen(IIncidentStore store) =>
            new PostgresIncidentStore(PostgresConnectionInfo.Parse(Uri(new Uri(store.Location).AbsolutePath.Trim('/'), TestBed.PostgresUser), null, Env.None), TimeSpan.FromSeconds(30));

        /// <summary>A role that may read the incident tables and nothing more.</summary>
        protected override IIncidentStore UnwritableStore()
        {
            var database = NewDatabase();
            var owner = Store(database, TestBed.PostgresUser);
            owner.ListAsync(null, CancellationToken.None).GetAwaiter().GetResult(); // makes the schema
            var role = TestDb.Unique("incident_reader");
            _roles.Add(role);
            SuperuserAsync($"CREATE ROLE {role} LOGIN PASSWORD '{TestBed.Password}'").GetAwaiter().GetResult();
            SuperuserAsync($"GRANT USAGE ON SCHEMA opsrunbook TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA opsrunbook TO {role}", database)
                .GetAwaiter().GetResult();
            return Store(database, role);
        }

        [Fact]
        public async Task Makes_its_schema_on_first_use_and_refuses_to_rewrite_an_entry()
        {
            var store = NewStore();
            var id = await store.OpenAsync(Opening("schema"), CancellationToken.None);
            var database = new Uri(store.Location).AbsolutePath.Trim('/');

            var update = await Assert.ThrowsAsync<PostgresException>(() =>
                SuperuserAsync($"UPDATE opsrunbook.incident_entries SET entry = '{{}}' WHERE incident_id = '{id}'", database));
            Assert.Contains("appended, never rewritten", update.MessageText, StringComparison.Ordinal);
            var delete = await Assert.ThrowsAsync<PostgresException>(() =>
                SuperuserAsync($"DELETE FROM opsrunbook.incident_entries WHERE incident_id = '{id}'", database));
            Assert.Equal("42501", delete.SqlState);
            Assert.Equal(2, (await store.ReadAsync(id, CancellationToken.None)).Count);
        }

        [Fact]
        public async Task A_read_only_role_reads_but_its_writes_are_PermissionDenied_errors()
        {
            var store = UnwritableStore();
            var failure = await Assert.ThrowsAsync<OpsRunbookException>(() => store.OpenAsync(Opening("denied"), CancellationToken.None));

            Assert.Equal("IncidentStoreUnwritable", failure.ErrorId);
            Assert.Equal(FailureCategory.PermissionDenied, failure.Category);
            Assert.Contains("permission denied", failure.Message, StringComparison.Ordinal);
            Assert.Empty(await store.ListAsync(null, CancellationToken.None));
            SecretAssert.Absent(failure);
        }

        [Fact]
        public async Task An_unreachable_server_is_an_error_that_names_it_without_the_password()
        {
            var store = new PostgresIncidentStore(PostgresConnectionInfo.Parse(
                $"postgres://{TestBed.PostgresUser}:{System.Uri.EscapeDataString(TestBed.Password)}@127.0.0.1:{TestBed.ClosedPort()}/incidents", null, Env.None), TimeSpan.FromSeconds(5));
            var failure = await Assert.ThrowsAsync<OpsRunbookException>(() => store.AppendAsync("INC-20260101-001", new[] { Note("x") }, null, CancellationToken.None));

            Assert.Equal("ConnectionFailed", failure.ErrorId);
            Assert.Contains("Nothing was recorded", failure.Message, StringComparison.Ordinal);
            SecretAssert.Absent(failure);
        }

        private string NewDatabase()
        {
            var database = TestDb.Unique("incidents");
            SuperuserAsync($"CREATE DATABASE {database} OWNER {TestBed.PostgresUser}").GetAwaiter().GetResult();
            _databases.Add(database);
            return database;
        }

        private static PostgresIncidentStore Store(string database, string user) =>
            new(PostgresConnectionInfo.Parse(Uri(database, user), null, Env.None), TimeSpan.FromSeconds(30));

        private static string Uri(string database, string user) =>
            $"postgres://{user}:{System.Uri.EscapeDataString(TestBed.Password)}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{database}";

        private static async Task SuperuserAsync(string sql, string database = "postgres")
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
            {
                Host = TestBed.PostgresHost,
                Port = TestBed.PostgresPort,
                Username = TestDb.Superuser,
                Password = TestBed.Password,
                Database = database,
                Pooling = false,
            }.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
