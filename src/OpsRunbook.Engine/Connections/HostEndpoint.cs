using System;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Connections
{
    /// <summary>A host and port from tcp://host:port, tls://host:port or https://host[:port].</summary>
    public sealed record HostEndpoint(string Host, int Port)
    {
        public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

        public static HostEndpoint Parse(string text, int? defaultPort)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw InvalidUri(text, "it is not an absolute URI such as tcp://host:port");
            }

            var port = uri.Port > 0 ? uri.Port : defaultPort ?? throw InvalidUri(text, "it has no port");
            return new HostEndpoint(uri.Host.Trim('[', ']'), port);
        }

        internal static OpsRunbookException InvalidUri(string text, string reason) =>
            Failures.InvalidArgument(ConnectionErrors.InvalidUri, $"The target '{ConnectionStringText.WithoutSecrets(text)}' cannot be probed: {reason}.",
                ConnectionStringText.WithoutSecrets(text),
                "Give a URI such as http://host:8000/health/ready, tcp://host:5432, tls://host:443, postgres://user@host/db or redis://host:6379.");
    }
}
