using System.Collections.Generic;
using System.Linq;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Tests.Connections;
using Xunit;

namespace OpsRunbook.Tests.Containers
{
    /// <summary>
    /// What a restore point keeps of a container's secrets: nothing, whatever the variable is called and wherever on
    /// the command line the secret stands; a rollback takes them back from the container it replaces.
    /// </summary>
    public sealed class ContainerSecretsByValueTests
    {
        private static ContainerInspectResponse Container(string password) => new()
        {
            Name = "/shop-api-1",
            Image = "sha256:0123",
            Config = new Config
            {
                Image = "shop/api:2",
                Env = new List<string>
                {
                    $"DATABASE_URL=postgres://app:{System.Uri.EscapeDataString(password)}@db:5432/shop",
                    "SENTRY_DSN=https://abc123@sentry.internal/4",
                    $"APP_KEY=base64:{System.Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(password))}",
                    $"CACHE=127.0.0.1:6379,password={password}",
                    "SLACK_HOOK=https://hooks.slack.com/services/T0A1B2C3D/B0E4F5G6H/aBcDeFgHiJkLmNoPqRsTuVwX",
                    "APP_MODE=production",
                    "PUBLIC_URL=https://shop.example.test/",
                },
                Cmd = new List<string> { "redis-server", "--requirepass", password, "--masterauth=" + password, "--port", "6379", "--bypass-cache" },
            },
            HostConfig = new HostConfig(),
        };

        [Theory]
        [MemberData(nameof(HostilePasswordTests.Each), MemberType = typeof(HostilePasswordTests))]
        public void Secrets_are_kept_out_by_name_by_value_and_by_their_place_on_the_command_line(HostilePasswordTests.HostilePassword hostile)
        {
            var password = hostile.Value;
            var inspected = Container(password);

            var settings = ContainerSettings.From(inspected);
            var json = settings.ToJson();

            Assert.Equal(new[] { "APP_KEY", "CACHE", "DATABASE_URL", "SENTRY_DSN", "SLACK_HOOK" }, settings.SecretVariables.Order());
            Assert.Equal(new[] { "APP_MODE=production", "PUBLIC_URL=https://shop.example.test/" }, settings.Config.Env);
            Assert.Equal(new[] { 2, 3 }, settings.SecretArguments);
            Assert.Equal(new[] { "redis-server", "--requirepass", "<secret>", "<secret>", "--port", "6379", "--bypass-cache" }, settings.Config.Cmd);
            Assert.DoesNotContain(password, json);
            Assert.DoesNotContain(System.Uri.EscapeDataString(password), json);
            Assert.DoesNotContain("abc123", json);
            Assert.DoesNotContain("aBcDeFgHiJkLmNoPqRsTuVwX", json);

            // A rollback gives them back from the container it replaces.
            var create = ContainerSettings.FromJson(json).ToCreateParameters("shop/api:1", ContainerSettings.SecretValues(inspected));
            Assert.Equal(inspected.Config.Cmd, create.Cmd);
            Assert.Equal(inspected.Config.Env.Order(), create.Env.Order());
        }
    }
}
