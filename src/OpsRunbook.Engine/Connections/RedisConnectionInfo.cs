using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using OpsRunbook.Engine.Common;
using StackExchange.Redis;

namespace OpsRunbook.Engine.Connections
{
    /// <summary>
    /// One way in to Redis, shared by every area: redis:// and rediss:// URLs (user, password, database),
    /// StackExchange.Redis configuration strings ("host:port,password=..."), REDIS_URL when nothing is
    /// given, and a credential that overrides user and password.
    /// </summary>
    public sealed class RedisConnectionInfo
    {
        public const int DefaultPort = 6379;

        private readonly ConfigurationOptions _options;

        private RedisConnectionInfo(ConfigurationOptions options)
        {
            _options = options;
        }

        public IReadOnlyList<string> Endpoints => _options.EndPoints.Select(Format).ToList();

        internal IEnumerable<HostEndpoint> HostEndpoints => _options.EndPoints.Select(e => e switch
        {
            DnsEndPoint dns => new HostEndpoint(dns.Host, dns.Port),
            IPEndPoint ip => new HostEndpoint(ip.Address.ToString(), ip.Port),
            _ => throw new NotSupportedException($"Unsupported Redis endpoint {e}."),
        });

        public bool UseTls => _options.Ssl;

        public int? Database => _options.DefaultDatabase;

        public string? UserName => _options.User;

        public string DisplayTarget
        {
            get
            {
                var user = string.IsNullOrEmpty(_options.User) ? string.Empty : Uri.EscapeDataString(_options.User) + "@";
                var db = _options.DefaultDatabase is int n && n != 0 ? "/" + n : string.Empty;
                return $"{(UseTls ? "rediss" : "redis")}://{user}{string.Join(",", Endpoints)}{db}";
            }
        }

        public string DefaultName => string.Join(",", Endpoints);

        internal IEnumerable<string?> Secrets => new[] { _options.Password };

        /// <summary>A copy of the options with the password, for connecting.</summary>
        internal ConfigurationOptions CreateOptions() => _options.Clone();

        public static RedisConnectionInfo Parse(string? connectionString, NetworkCredential? credential, Func<string, string?> environment)
        {
            var text = string.IsNullOrWhiteSpace(connectionString) ? environment("REDIS_URL") : connectionString;
            if (string.IsNullOrWhiteSpace(text))
            {
                throw Failures.InvalidArgument(ConnectionErrors.ConnectionStringMissing, "No Redis connection was given and REDIS_URL is not set.", null,
                    "Give a connection string such as 'redis://127.0.0.1:6379' or set REDIS_URL.");
            }

            var options = IsUri(text) ? FromUri(text) : FromConfiguration(text);
            if (options.EndPoints.Count == 0)
            {
                throw Invalid(text, "it names no host", null);
            }

            if (credential is not null)
            {
                if (!string.IsNullOrEmpty(credential.UserName))
                {
                    options.User = credential.UserName;
                }

                // A credential without a password (an inventory's UserName alone) keeps the one of the string.
                if (!string.IsNullOrEmpty(credential.Password))
                {
                    options.Password = credential.Password;
                }
            }

            return new RedisConnectionInfo(options);
        }

        public static bool IsUri(string text) =>
            text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) ||
            text.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);

        private static ConfigurationOptions FromConfiguration(string text)
        {
            try
            {
                return ConfigurationOptions.Parse(text);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or RedisException)
            {
                throw Invalid(text, ex.Message, ex);
            }
        }

        private static ConfigurationOptions FromUri(string text)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw Invalid(text, "it is not a valid redis:// URL", null);
            }

            var options = new ConfigurationOptions
            {
                Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase),
            };
            options.EndPoints.Add(uri.Host.Trim('[', ']'), uri.Port > 0 ? uri.Port : DefaultPort);
            if (options.Ssl)
            {
                options.SslHost = uri.Host.Trim('[', ']');
            }

            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                var separator = uri.UserInfo.IndexOf(':');
                var user = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
                if (separator < 0)
                {
                    // redis://secret@host is the old password-only form.
                    options.Password = user;
                }
                else
                {
                    options.User = user.Length == 0 ? null : user;
                    options.Password = Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
                }
            }

            var path = uri.AbsolutePath.Trim('/');
            if (path.Length > 0)
            {
                options.DefaultDatabase = int.TryParse(path, out var db) && db >= 0
                    ? db
                    : throw Invalid(text, $"'{path}' is not a database number", null);
            }

            if (uri.Query.Length > 1)
            {
                throw Invalid(text, "URL query parameters are not supported", null);
            }

            return options;
        }

        private static string Format(EndPoint endpoint) => endpoint switch
        {
            DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
            IPEndPoint ip => ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip.Address}]:{ip.Port}" : $"{ip.Address}:{ip.Port}",
            _ => endpoint.ToString() ?? string.Empty,
        };

        private static OpsRunbookException Invalid(string text, string reason, Exception? inner)
        {
            var shown = ConnectionStringText.WithoutSecrets(text);
            return new OpsRunbookException(
                ConnectionErrors.InvalidConnectionString,
                FailureCategory.InvalidArgument,
                $"The Redis connection string '{shown}' cannot be used: {SecretRedactor.Redact(reason, ConnectionStringText.SecretsIn(text))}.",
                shown,
                "Give a URL such as 'redis://:password@127.0.0.1:6379/0' or a configuration string such as '127.0.0.1:6379,password=...'.",
                inner);
        }
    }
}
