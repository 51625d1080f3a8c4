using System;
using System.Collections.Generic;
using System.Net;
using System.Text.RegularExpressions;
using Npgsql;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Connections
{
    /// <summary>
    /// One way in to PostgreSQL, shared by every area: postgres:// and postgresql:// URIs, Npgsql
    /// key=value strings, the libpq PG* environment variables for whatever the string leaves out,
    /// and a credential that overrides user and password.
    /// </summary>
    public sealed class PostgresConnectionInfo
    {
        private readonly NpgsqlConnectionStringBuilder _builder;

        private PostgresConnectionInfo(NpgsqlConnectionStringBuilder builder)
        {
            _builder = builder;
        }

        public string Host => _builder.Host!;

        public int Port => _builder.Port;

        public string? Database => _builder.Database;

        public string? UserName => _builder.Username;

        /// <summary>The connection as a URI without its password: safe to print.</summary>
        public string DisplayTarget
        {
            get
            {
                var user = string.IsNullOrEmpty(_builder.Username) ? string.Empty : Uri.EscapeDataString(_builder.Username) + "@";
                var host = Host.Contains(':') && !Host.StartsWith('[') ? $"[{Host}]" : Host;
                var db = string.IsNullOrEmpty(_builder.Database) ? string.Empty : "/" + Uri.EscapeDataString(_builder.Database);
                return $"postgres://{user}{host}:{Port}{db}";
            }
        }

        public string DefaultName => string.IsNullOrEmpty(Database) ? $"{Host}:{Port}" : $"{Host}:{Port}/{Database}";

        internal IEnumerable<string?> Secrets => new[] { _builder.Password };

        /// <summary>A fresh builder with the password, for opening connections.</summary>
        internal NpgsqlConnectionStringBuilder CreateBuilder() => new(_builder.ConnectionString);

        /// <summary>The same server, user and password, connected to another database of it.</summary>
        public PostgresConnectionInfo ForDatabase(string database)
        {
            var builder = CreateBuilder();
            builder.Database = database;
            return new PostgresConnectionInfo(builder);
        }

        public static PostgresConnectionInfo Parse(string? connectionString, NetworkCredential? credential, Func<string, string?> environment)
        {
            var builder = string.IsNullOrWhiteSpace(connectionString)
                ? new NpgsqlConnectionStringBuilder()
                : IsUri(connectionString) ? FromUri(connectionString) : FromKeyValue(connectionString);

            var portGiven = !string.IsNullOrWhiteSpace(connectionString) &&
                (IsUri(connectionString) ? new Uri(connectionString).Port > 0 : ExplicitPort.IsMatch(connectionString));
            ApplyEnvironment(builder, portGiven, environment);
            if (credential is not null)
            {
                if (!string.IsNullOrEmpty(credential.UserName))
                {
                    builder.Username = credential.UserName;
                }

                // A credential without a password (an inventory's UserName alone) keeps the string's or PGPASSWORD.
                if (!string.IsNullOrEmpty(credential.Password))
                {
                    builder.Password = credential.Password;
                }
            }

            return new PostgresConnectionInfo(builder);
        }

        public static bool IsUri(string text) =>
            text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

        private static NpgsqlConnectionStringBuilder FromKeyValue(string connectionString)
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(connectionString);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
            {
                throw Invalid(connectionString, ex.Message, ex);
            }
        }

        private static NpgsqlConnectionStringBuilder FromUri(string text)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw Invalid(text, "it is not a valid postgres:// URI", null);
            }

            var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host.Trim('[', ']') };
            if (!uri.IsDefaultPort && uri.Port > 0)
            {
                builder.Port = uri.Port;
            }

            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var separator = uri.UserInfo.IndexOf(':');
                builder.Username = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
                if (separator >= 0)
                {
                    builder.Password = Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
                }
            }

            var database = uri.AbsolutePath.Trim('/');
            if (database.Length > 0)
            {
                builder.Database = Uri.UnescapeDataString(database);
            }

            foreach (var (key, value) in QueryParameters(uri.Query))
            {
                switch (key.ToLowerInvariant())
                {
                    case "sslmode":
                        builder.SslMode = ParseSslMode(value, text);
                        break;
                    case "connect_timeout":
                        builder.Timeout = int.TryParse(value, out var seconds) && seconds >= 0
                            ? seconds
                            : throw Invalid(text, $"connect_timeout '{value}' is not a whole number of seconds", null);
                        break;
                    case "application_name":
                        builder.ApplicationName = value;
                        break;
                    default:
                        throw Invalid(text, $"the URI parameter '{key}' is not supported (use sslmode, connect_timeout or application_name)", null);
                }
            }

            return builder;
        }

        private static IEnumerable<(string Key, string Value)> QueryParameters(string query)
        {
            foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=');
                var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
                var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
                yield return (key, value);
            }
        }

        private static SslMode ParseSslMode(string value, string text) => value.ToLowerInvariant() switch
        {
            "disable" => SslMode.Disable,
            "allow" => SslMode.Allow,
            "prefer" => SslMode.Prefer,
            "require" => SslMode.Require,
            "verify-ca" => SslMode.VerifyCA,
            "verify-full" => SslMode.VerifyFull,
            _ => throw Invalid(text, $"sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full", null),
        };

        private static void ApplyEnvironment(NpgsqlConnectionStringBuilder builder, bool portGiven, Func<string, string?> environment)
        {
            if (string.IsNullOrEmpty(builder.Host))
            {
                builder.Host = NonEmpty(environment("PGHOST")) ?? "localhost";
            }

            var port = NonEmpty(environment("PGPORT"));
            if (!portGiven && port is not null)
            {
                builder.Port = int.TryParse(port, out var value) && value is > 0 and < 65536
                    ? value
                    : throw Failures.InvalidArgument(ConnectionErrors.InvalidConnectionString, $"PGPORT '{port}' is not a TCP port number.", "PGPORT",
                        "Set PGPORT to a number from 1 to 65535, or give the port in the connection string.");
            }

            builder.Username ??= NonEmpty(environment("PGUSER"));
            builder.Password ??= NonEmpty(environment("PGPASSWORD"));
            builder.Database ??= NonEmpty(environment("PGDATABASE"));
        }

        // NpgsqlConnectionStringBuilder reports the default port whether or not one was given.
        private static readonly Regex ExplicitPort = new(@"(^|;)\s*port\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

        private static OpsRunbookException Invalid(string connectionString, string reason, Exception? inner)
        {
            var shown = ConnectionStringText.WithoutSecrets(connectionString);
            return new OpsRunbookException(
                ConnectionErrors.InvalidConnectionString,
                FailureCategory.InvalidArgument,
                $"The PostgreSQL connection string '{shown}' cannot be used: {SecretRedactor.Redact(reason, ConnectionStringText.SecretsIn(connectionString))}.",
                shown,
                "Give a postgres://user@host:port/database URI or an Npgsql string such as 'Host=db;Port=5432;Username=app;Database=app'.",
                inner);
        }
    }
}
