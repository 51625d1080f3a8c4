using System;
using System.Linq;
using OpsRunbook.Engine.Connections;
using Xunit;

namespace OpsRunbook.Tests.Connections
{
    public class ConnectionStringTextTests
    {
        [Theory]
        [InlineData("postgres://app:secret@db:5432/orders", "postgres://app@db:5432/orders")]
        [InlineData("postgresql://app:p%40ss%3Aw%2Frd%25@db/orders?sslmode=require", "postgresql://app@db/orders?sslmode=require")]
        [InlineData("redis://:secret@cache:6379/1", "redis://@cache:6379/1")]
        [InlineData("rediss://worker:secret@cache:6380", "rediss://worker@cache:6380")]
        [InlineData("http://probe:secret@127.0.0.1:8080/health", "http://probe@127.0.0.1:8080/health")]
        [InlineData("postgres://app@db/orders", "postgres://app@db/orders")]
        [InlineData("tcp://db:5432", "tcp://db:5432")]
        public void Without_secrets_removes_the_password_of_a_uri(string text, string expected)
        {
            Assert.Equal(expected, ConnectionStringText.WithoutSecrets(text));
        }

        [Theory]
        [InlineData("Host=db;Username=app;Password=secret;Database=orders", "Host=db;Username=app;Database=orders")]
        [InlineData("Host=db;Username=app;Database=orders;Password=secret", "Host=db;Username=app;Database=orders")]
        [InlineData("Password=secret;Host=db", "Host=db")]
        [InlineData("Host=db; PWD = secret ;Port=5432", "Host=db;Port=5432")]
        [InlineData("Host=db;password=p@ss:w/rd%", "Host=db")]
        // Everything after password= up to the next ';' goes: a ',' may be part of an Npgsql password.
        [InlineData("cache:6379,password=secret,ssl=true", "cache:6379")]
        [InlineData("Host=db;Password=ab,cd;Database=orders", "Host=db;Database=orders")]
        [InlineData("Host=db;Password='a;b''c';Database=orders", "Host=db;Database=orders")]
        [InlineData("cache:6379,password=secret", "cache:6379")]
        [InlineData("Host=db;Username=app", "Host=db;Username=app")]
        public void Without_secrets_removes_password_entries_of_key_value_strings(string text, string expected)
        {
            Assert.Equal(expected, ConnectionStringText.WithoutSecrets(text));
        }

        [Theory]
        [InlineData("postgres://app:secret@db:5432/orders", "secret")]
        [InlineData("postgresql://app:p%40ss%3Aw%2Frd%25@db/orders", "p%40ss%3Aw%2Frd%25")]
        [InlineData("redis://:secret@cache:6379", "secret")]
        [InlineData("Host=db;Password=secret;Database=orders", "secret")]
        [InlineData("Host=db;Pwd=p@ss:w/rd%", "p@ss:w/rd%")]
        [InlineData("cache:6379,password=secret,ssl=true", "secret")]
        [InlineData("Host=db;Password=ab,cd;Database=orders", "ab,cd")]
        [InlineData("Host=db;Password='a;b''c';Database=orders", "a;b'c")]
        public void Secrets_in_finds_the_password(string text, string secret)
        {
            // It may also list longer readings of the same value (up to the next ';'), which are redacted too.
            Assert.Contains(secret, ConnectionStringText.SecretsIn(text));
        }

        [Theory]
        [InlineData("postgres://app@db/orders")]
        [InlineData("Host=db;Username=app;Database=orders")]
        [InlineData("redis://cache:6379")]
        [InlineData("http://127.0.0.1:8080/health?password=")]
        [InlineData("")]
        public void Secrets_in_finds_nothing_where_there_is_no_password(string text)
        {
            Assert.Empty(ConnectionStringText.SecretsIn(text));
        }

        [Fact]
        public void Environment_references_are_reported_as_they_are_written()
        {
            Assert.Equal(new[] { "${env:PGPW}" }, ConnectionStringText.SecretsIn("postgres://app:${env:PGPW}@db/orders").ToArray());
            Assert.Equal(new[] { "${env:PGPW}" }, ConnectionStringText.SecretsIn("Host=db;Password=${env:PGPW}").ToArray());
        }

        [Fact]
        public void Redis_password_only_form_is_a_secret_too()
        {
            // redis://SECRET@host is the old password-only syntax that RedisConnectionInfo accepts.
            var text = $"redis://{Uri.EscapeDataString(TestBed.Password)}@cache:6379/0";

            SecretAssert.Absent(ConnectionStringText.WithoutSecrets(text));
            Assert.Equal("redis://cache:6379/0", ConnectionStringText.WithoutSecrets(text));
            Assert.Equal(new[] { Uri.EscapeDataString(TestBed.Password) }, ConnectionStringText.SecretsIn(text).ToArray());
        }

        [Fact]
        public void The_test_bed_password_never_survives()
        {
            var samples = new[]
            {
                TestBed.PostgresUri,
                TestBed.RedisUri,
                $"Host=127.0.0.1;Username=opsrunbook;Password={TestBed.Password}",
                $"127.0.0.1:6379,password={TestBed.Password}",
            };

            Assert.All(samples, s => SecretAssert.Absent(ConnectionStringText.WithoutSecrets(s)));
        }
    }
}
