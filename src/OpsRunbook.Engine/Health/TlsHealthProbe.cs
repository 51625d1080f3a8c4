using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Health
{
    /// <summary>
    /// Reads the certificate an endpoint presents (seed 001, scenario 5: the expired certificate):
    /// Unhealthy when expired, not yet valid or untrusted, Degraded when it expires within 14 days.
    /// </summary>
    internal sealed class TlsHealthProbe : HealthProbe
    {
        public const int DegradedDaysLeft = 14;

        private readonly HostEndpoint _endpoint;
        private readonly X509Certificate2Collection? _roots;

        /// <summary>Reads the CA file now, so a missing or empty one is bad input, not an unhealthy service.</summary>
        public TlsHealthProbe(HostEndpoint endpoint, string? caCertificatePath)
        {
            _endpoint = endpoint;
            _roots = caCertificatePath is null ? null : LoadRoots(caCertificatePath);
        }

        public override ServiceKind Kind => ServiceKind.Tls;

        public override string DisplayTarget => "tls://" + _endpoint;

        public override string DefaultName => _endpoint.ToString();

        public override IEnumerable<string?> Secrets => Enumerable.Empty<string?>();

        public override async Task<ProbeOutcome> ProbeAsync(ProbeContext context, CancellationToken cancellationToken)
        {
            X509Certificate2? presented = null;
            var policyErrors = SslPolicyErrors.None;
            X509ChainStatusFlags chainErrors = X509ChainStatusFlags.NoError;

            using var socket = await TcpHealthProbe.Connect(_endpoint, cancellationToken).ConfigureAwait(false);
            await using var stream = new SslStream(new NetworkStream(socket, ownsSocket: false));
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = _endpoint.Host,
                // Accept every certificate here: the probe judges it below and reports why, instead of failing the handshake.
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    if (certificate is not null)
                    {
                        presented = new X509Certificate2(certificate);
                    }

                    policyErrors = errors;
                    chainErrors = chain?.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) ?? X509ChainStatusFlags.NoError;
                    return true;
                },
            };
            await stream.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);

            if (presented is null)
            {
                return new ProbeOutcome(HealthStatus.Unhealthy, "the endpoint presented no certificate");
            }

            using (presented)
            {
                if (_roots is not null)
                {
                    (policyErrors, chainErrors) = Verify(presented, _roots, policyErrors);
                }

                return Judge(presented, policyErrors, chainErrors, DateTimeOffset.Now);
            }
        }

        private static X509Certificate2Collection LoadRoots(string path)
        {
            try
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPemFile(path);
                return roots.Count > 0 ? roots : throw new FormatException("the file holds no PEM certificate");
            }
            catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException or FormatException or System.Security.Cryptography.CryptographicException)
            {
                throw Failures.InvalidArgument(HealthErrors.InvalidCaCertificate, $"The CA certificate file '{path}' cannot be read: {ex.Message}",
                    path, "Give a readable PEM file with the certificate of the authority that issued the endpoint's certificate.");
            }
        }

        // Trust decided against the given roots only, as a private CA's clients do.
        private static (SslPolicyErrors, X509ChainStatusFlags) Verify(X509Certificate2 certificate, X509Certificate2Collection roots, SslPolicyErrors handshakeErrors)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            var trusted = chain.Build(certificate);
            var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
            var errors = handshakeErrors & ~SslPolicyErrors.RemoteCertificateChainErrors;
            return (trusted ? errors : errors | SslPolicyErrors.RemoteCertificateChainErrors, flags);
        }

        internal static ProbeOutcome Judge(X509Certificate2 certificate, SslPolicyErrors policyErrors, X509ChainStatusFlags chainErrors, DateTimeOffset now)
        {
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            // Whole days, toward zero: expired 3.2 days ago is "3 days ago", as valid for 89.8 more days is 89.
            var daysLeft = (int)(notAfter - now).TotalDays;
            var details = new[]
            {
                new KeyValuePair<string, object?>("Subject", certificate.Subject),
                new KeyValuePair<string, object?>("Issuer", certificate.Issuer),
                new KeyValuePair<string, object?>("NotBefore", notBefore),
                new KeyValuePair<string, object?>("NotAfter", notAfter),
                new KeyValuePair<string, object?>("DaysUntilExpiry", daysLeft),
                new KeyValuePair<string, object?>("Thumbprint", certificate.Thumbprint),
            };

            string? error = null;
            var status = HealthStatus.Healthy;
            if (notAfter <= now)
            {
                (status, error) = (HealthStatus.Unhealthy, $"certificate expired on {notAfter:yyyy-MM-dd} ({-daysLeft} days ago)");
            }
            else if (notBefore > now)
            {
                (status, error) = (HealthStatus.Unhealthy, $"certificate is not valid before {notBefore:yyyy-MM-dd HH:mm} UTC");
            }
            else if ((policyErrors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                (status, error) = (HealthStatus.Unhealthy, $"certificate does not name this host ({certificate.GetNameInfo(X509NameType.DnsName, false)})");
            }
            else if (policyErrors != SslPolicyErrors.None)
            {
                var untrustedIssuer = (chainErrors & (X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.UntrustedRoot)) != 0;
                var why = chainErrors == X509ChainStatusFlags.NoError ? policyErrors.ToString() : chainErrors.ToString();
                (status, error) = (HealthStatus.Unhealthy, untrustedIssuer
                    ? $"certificate is not trusted: its issuer '{certificate.Issuer}' is not a trusted authority ({why}); give the CA with -CaCertificatePath"
                    : $"certificate is not trusted ({why})");
            }
            else if (daysLeft < DegradedDaysLeft)
            {
                (status, error) = (HealthStatus.Degraded, $"certificate expires in {daysLeft} days, on {notAfter:yyyy-MM-dd}");
            }

            return new ProbeOutcome(status, error) { Details = details };
        }
    }
}
