using System.Linq;
using OpsRunbook.Engine.Database.Backup;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    /// <summary>The texts the properties travel in: aclitems, GRANT and REVOKE, pg_restore -C's statements, settings.</summary>
    public sealed class DatabasePropertiesTextTests
    {
        [Fact]
        public void Turns_the_default_access_into_PUBLIC_without_CONNECT_with_one_revoke()
        {
            var changes = AccessList.Changes(AccessList.Default(AccessList.Database, "app"), AccessList.Parse(new[] { "=T/app", "app=CTc/app", "rd=c/app" }, AccessList.Database, "app"),
                "DATABASE \"shop\"", "app");

            Assert.Equal(new[] { "REVOKE CONNECT ON DATABASE \"shop\" FROM PUBLIC CASCADE", "GRANT CONNECT ON DATABASE \"shop\" TO \"rd\"" }, changes);
        }

        [Fact]
        public void Grants_made_by_another_grantor_are_made_as_that_role()
        {
            var changes = AccessList.Changes(AccessList.Default(AccessList.Schema, "app"), AccessList.Parse(new[] { "app=U*C/app", "\"odd \"\"r\"=U/app", "rd=U/lead" }, AccessList.Schema, "app"),
                "SCHEMA public", "app");

            Assert.Contains("GRANT USAGE ON SCHEMA public TO \"app\" WITH GRANT OPTION", changes);
            Assert.Contains("GRANT USAGE ON SCHEMA public TO \"odd \"\"r\"", changes);
            Assert.Contains("SET ROLE \"lead\"; GRANT USAGE ON SCHEMA public TO \"rd\"; RESET ROLE", changes);
        }

        [Fact]
        public void Reads_the_database_entries_pg_restore_C_prints()
        {
            // pg_restore -C -L <the DATABASE entries> -f - of a pg_dump 15 archive.
            const string script = """
                \restrict abc
                SET statement_timeout = 0;
                SELECT pg_catalog.set_config('search_path', '', false);
                CREATE DATABASE "Shop; DB" WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = icu LOCALE = 'C.UTF-8' ICU_LOCALE = 'und-u-ks-level2';
                ALTER DATABASE "Shop; DB" OWNER TO app;
                \unrestrict abc
                \connect -reuse-previous=on "dbname='Shop; DB'"
                COMMENT ON DATABASE "Shop; DB" IS 'orders; it''s ours';
                ALTER DATABASE "Shop; DB" CONNECTION LIMIT = 40;
                ALTER DATABASE "Shop; DB" SET search_path TO '$user', 'public', 'Odd, Schema';
                ALTER ROLE "Report Reader" IN DATABASE "Shop; DB" SET statement_timeout TO '5s';
                REVOKE CONNECT,TEMPORARY ON DATABASE "Shop; DB" FROM PUBLIC;
                GRANT TEMPORARY ON DATABASE "Shop; DB" TO PUBLIC;
                GRANT CONNECT ON DATABASE "Shop; DB" TO "Report Reader" WITH GRANT OPTION;
                """;

            var properties = DumpPropertiesReader.Parse(script)!;

            Assert.Equal("app", properties.Owner);
            Assert.Equal("UTF8", properties.Encoding);
            Assert.Equal("C.UTF-8", properties.Collation);
            Assert.Equal("icu", properties.LocaleProvider);
            Assert.Equal("und-u-ks-level2", properties.ProviderLocale);
            Assert.Equal("orders; it's ours", properties.Comment);
            Assert.Equal(40, properties.ConnectionLimit);
            Assert.Equal(new[] { "search_path = '$user', 'public', 'Odd, Schema'", "for Report Reader: statement_timeout = '5s'" }, properties.Settings.Select(s => s.ToString()));
            Assert.Equal(new[] { "app=CTc/app", "=T/app", "\"Report Reader\"=c*/app" }, properties.Access);
        }

        [Theory]
        [InlineData("work_mem", "64MB", "'64MB'")]
        [InlineData("search_path", "\"$user\", public, \"Odd, Schema\"", "'$user', 'public', 'Odd, Schema'")]
        [InlineData("search_path", "\"\"", "''")]
        [InlineData("application_name", "it's", "'it''s'")]
        public void Writes_settings_as_pg_dump_does(string name, string value, string sql)
        {
            Assert.Equal(sql, DatabasePropertiesReader.ValueSql(name, value));
        }
    }
}
