using System;
using System.Collections;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using OpsRunbook.Engine.Stacks;
using Xunit;

namespace OpsRunbook.Tests.Stacks
{
    public class InventoryReaderTests
    {
        private const string Path = "/stacks/portfolio.json";

        private const string ValidJson = """
            {
              // the stack of the portfolio advisor
              "Name": "portfolio",
              "Services": [
                { "Name": "db", "Kind": "Postgres", "Target": "postgres://app@db:5432/app", "PasswordVariable": "APP_DB_PASSWORD", "Tags": ["data"] },
                { "Name": "cache", "Kind": "redis", "Target": "redis://cache:6379", "Tags": ["data"], "TimeoutSec": 2 },
                { "Name": "api", "Kind": "Http", "Target": "http://api:8000/health/ready", "DependsOn": ["db", "cache"], "Tags": ["app", "edge"], "TimeoutSec": 10 },
                { "Name": "edge", "Kind": "Tls", "Target": "tls://api.example.com:443", "CaCertificate": "/etc/ssl/ca.pem", "DependsOn": "api" },
              ],
            }
            """;

        private static StackInventory ReadJson(string json, Func<string, string?>? environment = null) =>
            InventoryReader.ReadJson(json, Path, environment ?? Env.None);

        private static OpsRunbookException JsonFails(string json, Func<string, string?>? environment = null) =>
            Assert.Throws<OpsRunbookException>(() => ReadJson(json, environment));

        private static string OneService(string fields) => $$"""{ "Services": [ { {{fields}} } ] }""";

        [Fact]
        public void Valid_json_file_is_read()
        {
            var inventory = ReadJson(ValidJson);

            Assert.Equal(Path, inventory.Path);
            Assert.Equal("portfolio", inventory.Name);
            Assert.Equal(new[] { "db", "cache", "api", "edge" }, inventory.Services.Select(s => s.Name));

            var db = inventory.Services[0];
            Assert.Equal(ServiceKind.Postgres, db.Kind);
            Assert.Equal("postgres://app@db:5432/app", db.Target);
            Assert.Equal("APP_DB_PASSWORD", db.PasswordVariable);
            Assert.Equal(new[] { "data" }, db.Tags);
            Assert.Empty(db.DependsOn);
            Assert.Null(db.TimeoutSec);

            var cache = inventory.Services[1];
            Assert.Equal(ServiceKind.Redis, cache.Kind);
            Assert.Equal(2, cache.TimeoutSec);

            var api = inventory.Services[2];
            Assert.Equal(new[] { "db", "cache" }, api.DependsOn);
            Assert.Equal(new[] { "app", "edge" }, api.Tags);
            Assert.Equal(10, api.TimeoutSec);

            var edge = inventory.Services[3];
            Assert.Equal(ServiceKind.Tls, edge.Kind);
            Assert.Equal("/etc/ssl/ca.pem", edge.CaCertificatePath);
            Assert.Equal(new[] { "api" }, edge.DependsOn);
            Assert.Equal("edge (Tls)", edge.ToString());
        }

        [Fact]
        public void Psd1_shaped_input_of_hashtables_and_object_arrays_is_read()
        {
            // What PowerShell's data-file parser gives for @{ Services = @( @{...}, @{...} ) }.
            var root = new Hashtable(StringComparer.OrdinalIgnoreCase)
            {
                ["Name"] = "portfolio",
                ["Services"] = new object[]
                {
                    new Hashtable(StringComparer.OrdinalIgnoreCase)
                    {
                        ["Name"] = "db", ["Kind"] = "Postgres", ["Target"] = "postgres://app@db/app",
                        ["UserName"] = "app", ["PasswordVariable"] = "APP_DB_PASSWORD", ["TimeoutSec"] = 5,
                    },
                    new Hashtable(StringComparer.OrdinalIgnoreCase)
                    {
                        ["Name"] = "api", ["Kind"] = "http", ["Target"] = "http://api:8000/health",
                        ["DependsOn"] = "db", ["Tags"] = new object[] { "app", "edge" },
                    },
                },
            };

            var inventory = InventoryReader.Read(root, "/stacks/portfolio.psd1", Env.None);

            Assert.Equal("portfolio", inventory.Name);
            Assert.Equal(2, inventory.Services.Count);
            Assert.Equal(5, inventory.Services[0].TimeoutSec);
            Assert.Equal("app", inventory.Services[0].UserName);
            Assert.Equal(new[] { "db" }, inventory.Services[1].DependsOn);
            Assert.Equal(new[] { "app", "edge" }, inventory.Services[1].Tags);
            Assert.Equal(ServiceKind.Http, inventory.Services[1].Kind);
        }

        [Fact]
        public void Single_service_table_instead_of_a_list_is_accepted()
        {
            // @{ Services = @{ Name = 'db'; ... } }: a psd1 array of one may arrive as the table itself.
            var root = new Hashtable
            {
                ["Services"] = new Hashtable { ["Name"] = "db", ["Kind"] = "Tcp", ["Target"] = "tcp://db:5432" },
            };

            var inventory = InventoryReader.Read(root, "/stacks/one.psd1", Env.None);

            Assert.Null(inventory.Name);
            Assert.Equal("db", Assert.Single(inventory.Services).Name);
        }

        [Theory]
        [InlineData("""{ "Name": "x" }""", "it has no Services list")]
        [InlineData("""{ "Services": null }""", "it has no Services list")]
        [InlineData("""{ "Services": [] }""", "Services is empty")]
        [InlineData("""[ { "Name": "db" } ]""", "the file must hold one table")]
        [InlineData("""{ "Services": [ "db" ] }""", "Services[0] is not a table of fields")]
        [InlineData("""{ "Services": [ { "Kind": "Tcp", "Target": "tcp://db:1" } ] }""", "Services[0] has no Name")]
        [InlineData("""{ "Services": [ { "Name": "db", "Target": "tcp://db:1" } ] }""", "Services[0] ('db') has no Kind")]
        [InlineData("""{ "Services": [ { "Name": "db", "Kind": "Tcp" } ] }""", "Services[0] ('db') has no Target")]
        [InlineData("""{ "Services": [ { "Name": "  ", "Kind": "Tcp", "Target": "tcp://db:1" } ] }""", "Services[0] has a Name that is not a non-empty string")]
        [InlineData("""{ "Services": [ { "Name": "db", "Kind": "Tcp", "Target": "tcp://db:1", "Tags": [1] } ] }""", "Services[0] ('db') has a Tags that is not a list of names")]
        [InlineData("""{ "Version": 2, "Services": [ { "Name": "db", "Kind": "Tcp", "Target": "tcp://db:1" } ] }""", "the top level has the unknown field 'Version'")]
        public void Structural_errors_are_inventory_invalid(string json, string problem)
        {
            var ex = JsonFails(json);

            Assert.Equal("InventoryInvalid", ex.ErrorId);
            Assert.Equal(FailureCategory.InvalidData, ex.Category);
            Assert.StartsWith($"The inventory '{Path}' is not valid: {problem}", ex.Message);
            Assert.Equal(Path, ex.TargetObject);
        }

        [Fact]
        public void Unknown_field_names_the_field_and_the_service()
        {
            var ex = JsonFails("""{ "Services": [ { "Name": "db", "Kind": "Tcp", "Target": "tcp://db:1" }, { "Name": "api", "Kind": "Http", "Target": "http://api/", "Url": "x" } ] }""");

            Assert.Equal("InventoryInvalid", ex.ErrorId);
            Assert.Contains("Services[1] ('api') has the unknown field 'Url'", ex.Message);
            Assert.Contains("the fields are Name, Kind, Target, DependsOn, Tags, UserName, PasswordVariable, CaCertificate, TimeoutSec", ex.Message);
        }

        [Fact]
        public void Duplicate_names_are_refused_whatever_their_case()
        {
            var ex = JsonFails("""{ "Services": [ { "Name": "db", "Kind": "Tcp", "Target": "tcp://db:1" }, { "Name": "DB", "Kind": "Tcp", "Target": "tcp://db:2" } ] }""");

            Assert.Equal("InventoryInvalid", ex.ErrorId);
            Assert.Contains("the service name 'db' is used 2 times", ex.Message);
        }

        [Fact]
        public void Depends_on_an_unknown_service_is_refused()
        {
            var ex = JsonFails(OneService("""
                "Name": "api", "Kind": "Http", "Target": "http://api/", "DependsOn": ["db"]
                """));

            Assert.Equal("InventoryInvalid", ex.ErrorId);
            Assert.Contains("service 'api' has DependsOn 'db', which is not a service in this file", ex.Message);
        }

        [Fact]
        public void Depends_on_cycle_is_refused_and_shown()
        {
            var ex = JsonFails("""
                { "Services": [
                  { "Name": "a", "Kind": "Tcp", "Target": "tcp://a:1", "DependsOn": ["b"] },
                  { "Name": "b", "Kind": "Tcp", "Target": "tcp://b:1", "DependsOn": ["a"] } ] }
                """);

            Assert.Equal("InventoryInvalid", ex.ErrorId);
            Assert.Contains("DependsOn forms a cycle: a -> b -> a", ex.Message);
        }

        [Fact]
        public void Longer_cycle_and_self_dependency_are_refused()
        {
            var longer = JsonFails("""
                { "Services": [
                  { "Name": "web", "Kind": "Tcp", "Target": "tcp://w:1", "DependsOn": ["a"] },
                  { "Name": "a", "Kind": "Tcp", "Target": "tcp://a:1", "DependsOn": ["b"] },
                  { "Name": "b", "Kind": "Tcp", "Target": "tcp://b:1", "DependsOn": ["c"] },
                  { "Name": "c", "Kind": "Tcp", "Target": "tcp://c:1", "DependsOn": ["a"] } ] }
                """);
            var self = JsonFails(OneService("""
                "Name": "a", "Kind": "Tcp", "Target": "tcp://a:1", "DependsOn": ["a"]
                """));

            Assert.Contains("DependsOn forms a cycle: a -> b -> c -> a", longer.Message);
            Assert.Contains("DependsOn forms a cycle: a -> a", self.Message);
        }

        [Fact]
        public void Diamond_dependencies_are_not_a_cycle()
        {
            var inventory = ReadJson("""
                { "Services": [
                  { "Name": "api", "Kind": "Tcp", "Target": "tcp://api:1", "DependsOn": ["db", "cache"] },
                  { "Name": "db", "Kind": "Tcp", "Target": "tcp://db:1", "DependsOn": ["net"] },
                  { "Name": "cache", "Kind": "Tcp", "Target": "tcp://cache:1", "DependsOn": ["net"] },
                  { "Name": "net", "Kind": "Tcp", "Target": "tcp://net:1" } ] }
                """);

            Assert.Equal(4, inventory.Services.Count);
        }

        [Theory]
        [InlineData("Mongo")]
        [InlineData("1")]
        [InlineData("Https")]
        public void Unknown_kind_is_refused(string kind)
        {
            var ex = JsonFails(OneService($$"""
                "Name": "db", "Kind": "{{kind}}", "Target": "tcp://db:1"
                """));

            Assert.Equal("UnknownServiceKind", ex.ErrorId);
            Assert.Contains($"has the Kind '{kind}', which is not one of Http, Postgres, Redis, Tcp, Tls", ex.Message);
        }

        [Fact]
        public void Inline_password_field_is_refused()
        {
            var ex = JsonFails(OneService($$"""
                "Name": "db", "Kind": "Postgres", "Target": "postgres://app@db/app", "Password": "{{TestBed.Password}}"
                """));

            Assert.Equal("InventorySecretInline", ex.ErrorId);
            Assert.Equal(FailureCategory.SecurityError, ex.Category);
            Assert.Contains("Services[0] ('db') has a Password field", ex.Message);
            SecretAssert.Absent(ex);
        }

        [Theory]
        [InlineData("postgres://app:{0}@db/app", ServiceKind.Postgres)]
        [InlineData("redis://:{0}@cache:6379", ServiceKind.Redis)]
        [InlineData("http://probe:{0}@api:8000/health", ServiceKind.Http)]
        [InlineData("Host=db;Username=app;Password={0}", ServiceKind.Postgres)]
        [InlineData("cache:6379,password={0}", ServiceKind.Redis)]
        public void Password_in_the_target_is_refused(string format, ServiceKind kind)
        {
            var target = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, TestBed.Password);

            var ex = Assert.Throws<OpsRunbookException>(() => InventoryReader.Read(
                new Hashtable { ["Services"] = new object[] { new Hashtable { ["Name"] = "svc", ["Kind"] = kind.ToString(), ["Target"] = target } } },
                Path, Env.None));

            Assert.Equal("InventorySecretInline", ex.ErrorId);
            Assert.Contains("Services[0] ('svc') has a password written in its Target", ex.Message);
            Assert.Contains("PasswordVariable", ex.RecommendedAction);
            SecretAssert.Absent(ex);
        }

        [Fact]
        public void Environment_reference_in_the_password_slot_is_allowed_and_expanded()
        {
            var environment = Env.Of(("APP_DB_PASSWORD", "from-env"), ("DB_HOST", "db.internal"));
            var inventory = ReadJson(OneService("""
                "Name": "db", "Kind": "Postgres", "Target": "postgres://app:${env:APP_DB_PASSWORD}@${env:DB_HOST}:5432/app"
                """), environment);

            Assert.Equal("postgres://app:from-env@db.internal:5432/app", inventory.Services[0].Target);
            Assert.Equal("db (Postgres)", inventory.Services[0].ToString());
        }

        [Theory]
        [MemberData(nameof(Connections.HostilePasswordTests.Each), MemberType = typeof(Connections.HostilePasswordTests))]
        public void An_environment_password_put_into_a_uri_is_percent_encoded_there_and_works(Connections.HostilePasswordTests.HostilePassword hostile)
        {
            var environment = Env.Of(("APP_DB_PASSWORD", hostile.Value), ("DB_HOST", "db.internal"));
            var inventory = ReadJson(OneService("""
                "Name": "db", "Kind": "Postgres", "Target": "postgres://app:${env:APP_DB_PASSWORD}@${env:DB_HOST}:5432/app"
                """), environment);

            var connection = new ServiceStack(inventory, environment).Postgres("db");

            Assert.Equal(hostile.Value, connection.CreateBuilder().Password);
            Assert.Equal("postgres://app@db.internal:5432/app", connection.DisplayTarget);
            Assert.Equal($"postgres://app:{Uri.EscapeDataString(hostile.Value)}@db.internal:5432/app", inventory.Services[0].Target);
        }

        [Fact]
        public void Environment_reference_that_is_not_set_is_refused()
        {
            var ex = JsonFails(OneService("""
                "Name": "db", "Kind": "Postgres", "Target": "postgres://app:${env:APP_DB_PASSWORD}@db/app"
                """));

            Assert.Equal("SecretVariableNotSet", ex.ErrorId);
            Assert.Contains("'APP_DB_PASSWORD'", ex.Message);
            Assert.Contains("Services[0] ('db')", ex.Message);
        }

        [Fact]
        public void Bad_json_is_a_parse_failure_with_the_line()
        {
            const string json = "{\n  \"Services\": [\n    { \"Name\": \"db\" \"Kind\": \"Tcp\" }\n  ]\n}";

            var ex = JsonFails(json);

            Assert.Equal("InventoryParseFailed", ex.ErrorId);
            Assert.Equal(FailureCategory.ParserError, ex.Category);
            Assert.Contains($"The inventory '{Path}' is not valid JSON at line 3,", ex.Message);
            Assert.Equal(Path, ex.TargetObject);
        }

        [Theory]
        [InlineData("0")]
        [InlineData("3601")]
        [InlineData("-5")]
        public void Timeout_out_of_range_is_refused(string seconds)
        {
            var ex = JsonFails(OneService($$"""
                "Name": "db", "Kind": "Tcp", "Target": "tcp://db:1", "TimeoutSec": {{seconds}}
                """));

            Assert.Equal("InventoryInvalid", ex.ErrorId);
            Assert.Contains($"Services[0] ('db') has TimeoutSec {seconds}; use 1 to 3600 seconds", ex.Message);
        }

        [Theory]
        [InlineData("1.5")]
        [InlineData("\"soon\"")]
        [InlineData("true")]
        public void Timeout_that_is_not_a_whole_number_is_refused(string value)
        {
            var ex = JsonFails(OneService($$"""
                "Name": "db", "Kind": "Tcp", "Target": "tcp://db:1", "TimeoutSec": {{value}}
                """));

            Assert.Equal("InventoryInvalid", ex.ErrorId);
            Assert.Contains("has a TimeoutSec that is not a whole number", ex.Message);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(3600)]
        public void Timeout_at_the_limits_is_accepted(int seconds)
        {
            var inventory = ReadJson(OneService($$"""
                "Name": "db", "Kind": "Tcp", "Target": "tcp://db:1", "TimeoutSec": {{seconds}}
                """));

            Assert.Equal(seconds, inventory.Services[0].TimeoutSec);
        }

        // Select

        [Fact]
        public void Select_with_nothing_gives_everything_in_file_order()
        {
            var inventory = ReadJson(ValidJson);

            Assert.Equal(new[] { "db", "cache", "api", "edge" }, inventory.Select(null, null).Select(s => s.Name));
            Assert.Equal(4, inventory.Select(Array.Empty<string>(), Array.Empty<string>()).Count);
        }

        [Theory]
        [InlineData(new[] { "c*" }, new[] { "cache" })]
        [InlineData(new[] { "*e*" }, new[] { "cache", "edge" })]
        [InlineData(new[] { "?b" }, new[] { "db" })]
        [InlineData(new[] { "[ae]*" }, new[] { "api", "edge" })]
        [InlineData(new[] { "API", "db" }, new[] { "db", "api" })]
        [InlineData(new[] { "nothing*" }, new string[0])]
        public void Select_by_name_with_wildcards(string[] patterns, string[] expected)
        {
            Assert.Equal(expected, ReadJson(ValidJson).Select(patterns, null).Select(s => s.Name));
        }

        [Theory]
        [InlineData(new[] { "data" }, new[] { "db", "cache" })]
        [InlineData(new[] { "EDGE" }, new[] { "api" })]
        [InlineData(new[] { "data", "app" }, new[] { "db", "cache", "api" })]
        [InlineData(new[] { "none" }, new string[0])]
        public void Select_by_tag(string[] tags, string[] expected)
        {
            Assert.Equal(expected, ReadJson(ValidJson).Select(null, tags).Select(s => s.Name));
        }

        [Fact]
        public void Select_by_name_and_tag_needs_both()
        {
            Assert.Equal(new[] { "cache" }, ReadJson(ValidJson).Select(new[] { "c*", "api" }, new[] { "data" }).Select(s => s.Name));
        }

        [Fact]
        public void Select_of_an_unknown_literal_name_is_service_not_found()
        {
            var ex = Assert.Throws<OpsRunbookException>(() => ReadJson(ValidJson).Select(new[] { "db", "queue" }, null));

            Assert.Equal("ServiceNotFound", ex.ErrorId);
            Assert.Equal(FailureCategory.ObjectNotFound, ex.Category);
            Assert.Equal("queue", ex.TargetObject);
            Assert.Contains("has no service named 'queue'. It has: db, cache, api, edge.", ex.Message);
        }

        // Stack.ProbeTarget

        [Fact]
        public void Probe_target_takes_the_password_from_its_variable()
        {
            var inventory = ReadJson(ValidJson);
            var db = inventory.Services[0];

            var target = new ServiceStack(inventory, Env.Of(("APP_DB_PASSWORD", TestBed.Password))).ProbeTarget(db);

            Assert.Equal("db", target.Name);
            Assert.Equal(ServiceKind.Postgres, target.Kind);
            Assert.Equal("postgres://app@db:5432/app", target.DisplayTarget);
            Assert.Equal(new[] { "data" }, target.Tags);
            Assert.Contains(TestBed.Password, target.Probe.Secrets);
            SecretAssert.Absent(target.ToString());
        }

        [Fact]
        public void Probe_target_with_an_unset_password_variable_is_refused()
        {
            var inventory = ReadJson(ValidJson);

            var ex = Assert.Throws<OpsRunbookException>(() => new ServiceStack(inventory, Env.None).ProbeTarget(inventory.Services[0]));

            Assert.Equal("SecretVariableNotSet", ex.ErrorId);
            Assert.Equal("db", ex.TargetObject);
            Assert.Contains("'APP_DB_PASSWORD', which is not set", ex.Message);
            Assert.Contains("-Credential", ex.RecommendedAction);
        }

        [Fact]
        public void Probe_target_with_a_credential_needs_no_variable()
        {
            var inventory = ReadJson(ValidJson);

            var target = new ServiceStack(inventory, Env.None, new NetworkCredential("admin", TestBed.Password)).ProbeTarget(inventory.Services[0]);

            Assert.Equal("postgres://admin@db:5432/app", target.DisplayTarget);
        }

        [Fact]
        public void Probe_target_keeps_timeout_dependencies_and_ca()
        {
            // The CA file is read when the target is made, so it must exist: the test bed's CA stands in.
            var inventory = ReadJson(ValidJson.Replace("/etc/ssl/ca.pem", TestBed.TlsCaPath));

            var api = new ServiceStack(inventory, Env.None).ProbeTarget(inventory.Services[2]);
            var cache = new ServiceStack(inventory, Env.None).ProbeTarget(inventory.Services[1]);
            var edge = new ServiceStack(inventory, Env.None).ProbeTarget(inventory.Services[3]);

            Assert.Equal(TimeSpan.FromSeconds(10), api.Timeout);
            Assert.Equal(new[] { "db", "cache" }, api.DependsOn);
            Assert.Equal(TimeSpan.FromSeconds(2), cache.Timeout);
            Assert.Null(edge.Timeout);
            Assert.Equal(ServiceKind.Tls, edge.Kind);
        }

        [Fact]
        public void A_missing_ca_file_is_an_error_naming_the_service()
        {
            var inventory = ReadJson(ValidJson);

            var ex = Assert.Throws<OpsRunbookException>(() => new ServiceStack(inventory, Env.None).ProbeTarget(inventory.Services[3]));

            Assert.Equal("InvalidCaCertificate", ex.ErrorId);
            Assert.StartsWith($"Service 'edge' in '{Path}': The CA certificate file '/etc/ssl/ca.pem' cannot be read", ex.Message);
        }

        [Fact]
        public void Probe_target_errors_name_the_service_and_file()
        {
            var inventory = ReadJson(OneService("""
                "Name": "db", "Kind": "Postgres", "Target": "postgres://app@db/app?bogus=1"
                """));

            var ex = Assert.Throws<OpsRunbookException>(() => new ServiceStack(inventory, Env.None).ProbeTarget(inventory.Services[0]));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            Assert.Equal("db", ex.TargetObject);
            Assert.StartsWith($"Service 'db' in '{Path}': ", ex.Message);
        }

        [Fact]
        public async Task Inventory_with_password_variable_probes_the_real_postgres()
        {
            var json = OneService($$"""
                "Name": "orders-db", "Kind": "Postgres", "Target": "postgres://{{TestBed.PostgresUser}}@{{TestBed.PostgresHost}}:{{TestBed.PostgresPort}}/{{TestBed.PostgresDatabase}}", "PasswordVariable": "ORDERS_DB_PASSWORD"
                """);
            var environment = Env.Of(("ORDERS_DB_PASSWORD", TestBed.Password));
            var inventory = ReadJson(json, environment);

            var health = await Probe.CheckAsync(new ServiceStack(inventory, environment).ProbeTarget(inventory.Services[0]));

            Assert.Equal("orders-db", health.Name);
            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal(30, Probe.Detail(health, "MaxConnections"));
        }

        [Fact]
        public async Task Inventory_with_env_reference_in_the_target_probes_the_real_postgres()
        {
            var json = OneService($$"""
                "Name": "orders-db", "Kind": "Postgres", "Target": "postgres://{{TestBed.PostgresUser}}:${env:ORDERS_DB_PASSWORD}@{{TestBed.PostgresHost}}:${env:ORDERS_DB_PORT}/{{TestBed.PostgresDatabase}}"
                """);
            var environment = Env.Of(("ORDERS_DB_PASSWORD", TestBed.Password), ("ORDERS_DB_PORT", TestBed.PostgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var inventory = ReadJson(json, environment);

            var health = await Probe.CheckAsync(new ServiceStack(inventory, environment).ProbeTarget(inventory.Services[0]));

            Assert.Equal(HealthStatus.Healthy, health.Status);
        }

        [Fact]
        public async Task Inventory_with_user_name_and_pgpassword_probes_the_real_postgres()
        {
            var json = OneService($$"""
                "Name": "orders-db", "Kind": "Postgres", "Target": "postgres://{{TestBed.PostgresHost}}:{{TestBed.PostgresPort}}/{{TestBed.PostgresDatabase}}", "UserName": "{{TestBed.PostgresUser}}"
                """);
            var environment = Env.Of(("PGPASSWORD", TestBed.Password));
            var inventory = ReadJson(json, environment);

            var health = await Probe.CheckAsync(new ServiceStack(inventory, environment).ProbeTarget(inventory.Services[0]));

            Assert.Equal($"postgres://{TestBed.PostgresUser}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{TestBed.PostgresDatabase}", health.Target);
            Assert.True(health.Status == HealthStatus.Healthy, health.Error);
        }

        [Fact]
        public void A_credential_given_for_the_stack_goes_to_its_databases_and_caches_never_to_its_http_endpoints()
        {
            // Get-ServiceHealth -Inventory stack.psd1 -Credential $db: the database password must not travel as HTTP Basic.
            var inventory = ReadJson("""
                { "Name": "shop", "Services": [
                    { "Name": "postgres", "Kind": "Postgres", "Target": "postgres://app@db:5432/shop" },
                    { "Name": "redis", "Kind": "Redis", "Target": "redis://cache:6379" },
                    { "Name": "api", "Kind": "Http", "Target": "http://api.internal/health" },
                    { "Name": "admin", "Kind": "Http", "Target": "https://admin.internal/health", "UserName": "probe", "PasswordVariable": "ADMIN_PW" } ] }
                """, Env.Of(("ADMIN_PW", "own-password")));
            var credential = new System.Net.NetworkCredential("app", "database-password");

            var targets = inventory.Services.ToDictionary(s => s.Name, s => new ServiceStack(inventory, Env.Of(("ADMIN_PW", "own-password")), credential).ProbeTarget(s));

            Assert.Contains("database-password", targets["postgres"].Probe.Secrets);
            Assert.Contains("database-password", targets["redis"].Probe.Secrets);
            Assert.DoesNotContain("database-password", targets["api"].Probe.Secrets);
            Assert.DoesNotContain("database-password", targets["admin"].Probe.Secrets);
            Assert.Contains("own-password", targets["admin"].Probe.Secrets);
        }

        [Fact]
        public void A_credential_goes_to_the_services_named_for_it_and_only_to_them()
        {
            // Get-ServiceHealth -Inventory stack.psd1 -Credential $probe -CredentialService 'admin*'
            var inventory = ReadJson("""
                { "Services": [
                    { "Name": "postgres", "Kind": "Postgres", "Target": "postgres://app@db:5432/shop" },
                    { "Name": "admin-api", "Kind": "Http", "Target": "https://admin.internal/health" },
                    { "Name": "api", "Kind": "Http", "Target": "https://api.internal/health" } ] }
                """);
            var credential = new System.Net.NetworkCredential("probe", "probe-password");

            var targets = inventory.Services.ToDictionary(s => s.Name, s => new ServiceStack(inventory, Env.None, credential, new[] { "admin*" }).ProbeTarget(s));

            Assert.Contains("probe-password", targets["admin-api"].Probe.Secrets);
            Assert.DoesNotContain("probe-password", targets["api"].Probe.Secrets);
            Assert.DoesNotContain("probe-password", targets["postgres"].Probe.Secrets);
        }

        [Fact]
        public void Names_given_for_a_credential_must_be_services_and_need_a_credential()
        {
            var inventory = ReadJson(ValidJson);

            var unknown = Assert.Throws<OpsRunbookException>(() => new ServiceStack(inventory, Env.None, new NetworkCredential("u", "p"), new[] { "api", "ghost" }));
            var alone = Assert.Throws<OpsRunbookException>(() => new ServiceStack(inventory, Env.None, null, new[] { "api" }));
            _ = new ServiceStack(inventory, Env.None, new NetworkCredential("u", "p"), new[] { "a*", "nothing*" });

            Assert.Equal("ServiceNotFound", unknown.ErrorId);
            Assert.Equal("ghost", unknown.TargetObject);
            Assert.Equal("CredentialServiceWithoutCredential", alone.ErrorId);
            Assert.Contains("-Credential", alone.RecommendedAction);
        }
    }
}
