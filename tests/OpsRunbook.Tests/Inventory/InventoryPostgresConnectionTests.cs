using System.Net;
using OpsRunbook.Engine.Inventory;
using Xunit;

namespace OpsRunbook.Tests.Inventory
{
    /// <summary>The database cmdlets' -Inventory -Name: a Postgres service of the file as a connection.</summary>
    public class InventoryPostgresConnectionTests
    {
        private const string Path = "/stacks/shop.json";

        private static StackInventory Read(string services) => InventoryReader.ReadJson($$"""{ "Services": [ {{services}} ] }""", Path, Env.None);

        private const string Primary = """{ "Name": "db", "Kind": "Postgres", "Target": "postgres://app@db:5432/shop", "PasswordVariable": "SHOP_DB_PASSWORD" }""";
        private const string Replica = """{ "Name": "replica", "Kind": "Postgres", "Target": "postgres://reader@replica/shop" }""";
        private const string Api = """{ "Name": "api", "Kind": "Http", "Target": "http://api:8000/health" }""";

        [Fact]
        public void The_named_service_with_the_password_of_its_variable()
        {
            var connection = Read($"{Primary}, {Replica}, {Api}").ToPostgresConnection("db", null, Env.Of(("SHOP_DB_PASSWORD", "s3cret")));

            Assert.Equal("db", connection.Host);
            Assert.Equal(5432, connection.Port);
            Assert.Equal("app", connection.UserName);
            Assert.Equal("shop", connection.Database);
            Assert.Equal("postgres://app@db:5432/shop", connection.DisplayTarget);
            Assert.Equal("s3cret", connection.CreateBuilder().Password);
        }

        [Fact]
        public void A_credential_wins_over_the_variable()
        {
            var connection = Read(Primary).ToPostgresConnection("db", new NetworkCredential("ops", "given"), Env.None);

            Assert.Equal("ops", connection.UserName);
            Assert.Equal("given", connection.CreateBuilder().Password);
        }

        [Fact]
        public void Without_a_name_the_only_Postgres_service_is_taken()
        {
            Assert.Equal("replica", Read($"{Replica}, {Api}").ToPostgresConnection(null, null, Env.None).Host);
        }

        [Theory]
        [InlineData(null, "PostgresServiceNotChosen", FailureCategory.InvalidArgument)]
        [InlineData("api", "ServiceNotPostgres", FailureCategory.InvalidArgument)]
        [InlineData("ghost", "ServiceNotFound", FailureCategory.ObjectNotFound)]
        public void A_service_that_is_not_one_Postgres_service_is_refused(string? name, string errorId, FailureCategory category)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => Read($"{Primary}, {Replica}, {Api}").ToPostgresConnection(name, null, Env.Of(("SHOP_DB_PASSWORD", "x"))));

            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal(category, ex.Category);
            Assert.NotNull(ex.RecommendedAction);
        }

        [Fact]
        public void An_unset_password_variable_is_SecretVariableNotSet()
        {
            var ex = Assert.Throws<OpsRunbookException>(() => Read(Primary).ToPostgresConnection("db", null, Env.None));

            Assert.Equal("SecretVariableNotSet", ex.ErrorId);
            Assert.Contains("SHOP_DB_PASSWORD", ex.Message);
        }
    }
}
