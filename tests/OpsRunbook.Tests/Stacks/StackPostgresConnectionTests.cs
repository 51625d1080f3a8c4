using System.Net;
using OpsRunbook.Engine.Stacks;
using Xunit;

namespace OpsRunbook.Tests.Stacks
{
    /// <summary>The database cmdlets' -Inventory -Name: a Postgres service of the file as a connection.</summary>
    public class StackPostgresConnectionTests
    {
        private const string Path = "/stacks/shop.json";

        private static StackInventory Read(string services) => InventoryReader.ReadJson($$"""{ "Services": [ {{services}} ] }""", Path, Env.None);

        private const string Primary = """{ "Name": "db", "Kind": "Postgres", "Target": "postgres://app@db:5432/shop", "PasswordVariable": "SHOP_DB_PASSWORD" }""";
        private const string Replica = """{ "Name": "replica", "Kind": "Postgres", "Target": "postgres://reader@replica/shop" }""";
        private const string Api = """{ "Name": "api", "Kind": "Http", "Target": "http://api:8000/health" }""";

        [Fact]
        public void The_named_service_with_the_password_of_its_variable()
        {
            var connection = new ServiceStack(Read($"{Primary}, {Replica}, {Api}"), Env.Of(("SHOP_DB_PASSWORD", "s3cret"))).Postgres("db");

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
            var connection = new ServiceStack(Read(Primary), Env.None, new NetworkCredential("ops", "given")).Postgres("db");

            Assert.Equal("ops", connection.UserName);
            Assert.Equal("given", connection.CreateBuilder().Password);
        }

        [Fact]
        public void Without_a_name_the_only_Postgres_service_is_taken()
        {
            Assert.Equal("replica", new ServiceStack(Read($"{Replica}, {Api}"), Env.None).Postgres(null).Host);
        }

        [Theory]
        [InlineData(null, "PostgresServiceNotChosen", FailureCategory.InvalidArgument)]
        [InlineData("api", "ServiceNotPostgres", FailureCategory.InvalidArgument)]
        [InlineData("ghost", "ServiceNotFound", FailureCategory.ObjectNotFound)]
        public void A_service_that_is_not_one_Postgres_service_is_refused(string? name, string errorId, FailureCategory category)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => new ServiceStack(Read($"{Primary}, {Replica}, {Api}"), Env.Of(("SHOP_DB_PASSWORD", "x"))).Postgres(name));

            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal(category, ex.Category);
            Assert.NotNull(ex.RecommendedAction);
        }

        [Fact]
        public void An_unset_password_variable_is_SecretVariableNotSet()
        {
            var ex = Assert.Throws<OpsRunbookException>(() => new ServiceStack(Read(Primary), Env.None).Postgres("db"));

            Assert.Equal("SecretVariableNotSet", ex.ErrorId);
            Assert.Contains("SHOP_DB_PASSWORD", ex.Message);
        }
    }
}
