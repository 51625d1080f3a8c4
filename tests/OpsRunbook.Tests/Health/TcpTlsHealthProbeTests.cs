using System;
using System.Diagnostics;
using System.IO;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using OpsRunbook.Engine.Health;
using Xunit;

namespace OpsRunbook.Tests.Health
{
    public class TcpTlsHealthProbeTests
    {
        [Fact]
        public async Task Tcp_to_the_postgres_port_is_healthy()
        {
            var health = await Probe.CheckAsync($"tcp://{TestBed.PostgresHost}:{TestBed.PostgresPort}");

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal(ServiceKind.Tcp, health.Kind);
            Assert.Null(health.Error);
            Assert.Equal($"tcp://{TestBed.PostgresHost}:{TestBed.PostgresPort}", health.Target);
            Assert.Equal($"{TestBed.PostgresHost}:{TestBed.PostgresPort}", health.Name);
            Assert.Empty(health.Details);
        }

        [Fact]
        public async Task Tcp_to_a_closed_port_is_refused()
        {
            var clock = Stopwatch.StartNew();
            var health = await Probe.CheckAsync($"tcp://127.0.0.1:{TestBed.ClosedPort()}", timeout: TimeSpan.FromSeconds(5));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal("connection refused", health.Error);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        }

        [Fact]
        public async Task Tls_valid_certificate_with_the_ca_is_healthy()
        {
            var health = await Probe.CheckAsync($"tls://127.0.0.1:{TestBed.TlsValidPort}", caPath: TestBed.TlsCaPath);

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Null(health.Error);
            Assert.Equal(ServiceKind.Tls, health.Kind);
            Assert.InRange((int)Probe.Detail(health, "DaysUntilExpiry")!, 89, 90);
            Assert.Equal("CN=localhost", Probe.Detail(health, "Subject"));
            Assert.Equal("CN=OpsRunbook Test CA", Probe.Detail(health, "Issuer"));
            Assert.IsType<DateTimeOffset>(Probe.Detail(health, "NotAfter"));
            Assert.Equal($"tls://127.0.0.1:{TestBed.TlsValidPort}", health.Target);
        }

        [Fact]
        public async Task Tls_without_the_ca_is_not_trusted()
        {
            var health = await Probe.CheckAsync($"tls://127.0.0.1:{TestBed.TlsValidPort}");

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Contains("not trusted", health.Error);
            Assert.Contains("OpsRunbook Test CA", health.Error);
            Assert.Contains("-CaCertificatePath", health.Error);
        }

        [Fact]
        public async Task Tls_with_an_unrelated_ca_is_not_trusted()
        {
            var path = Path.Combine(TestBed.Artifacts, $"other-ca-{Guid.NewGuid():N}.pem");
            using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            {
                var request = new CertificateRequest("CN=Some Other CA", key, HashAlgorithmName.SHA256);
                request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
                using var other = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
                File.WriteAllText(path, other.ExportCertificatePem());
            }

            var health = await Probe.CheckAsync($"tls://127.0.0.1:{TestBed.TlsValidPort}", caPath: path);

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Contains("not trusted", health.Error);
        }

        [Fact]
        public async Task Tls_expiring_certificate_is_degraded()
        {
            var health = await Probe.CheckAsync($"tls://127.0.0.1:{TestBed.TlsExpiringPort}", caPath: TestBed.TlsCaPath);

            Assert.Equal(HealthStatus.Degraded, health.Status);
            Assert.StartsWith("certificate expires in 10 days", health.Error);
            Assert.Equal(10, Probe.Detail(health, "DaysUntilExpiry"));
        }

        [Fact]
        public async Task Tls_expired_certificate_is_unhealthy()
        {
            var health = await Probe.CheckAsync($"tls://127.0.0.1:{TestBed.TlsExpiredPort}", caPath: TestBed.TlsCaPath);

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.StartsWith("certificate expired on ", health.Error);
            Assert.Contains("(3 days ago)", health.Error);
            Assert.True((int)Probe.Detail(health, "DaysUntilExpiry")! < 0);
        }

        [Fact]
        public async Task Tls_to_a_closed_port_is_refused()
        {
            var health = await Probe.CheckAsync($"tls://127.0.0.1:{TestBed.ClosedPort()}", caPath: TestBed.TlsCaPath);

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal("connection refused", health.Error);
        }

        [Fact]
        public async Task Tls_to_a_plain_http_port_fails_the_handshake()
        {
            var plain = new Uri(TestBed.HttpUrl);
            var clock = Stopwatch.StartNew();
            var health = await Probe.CheckAsync($"tls://{plain.Host}:{plain.Port}", timeout: TimeSpan.FromSeconds(5));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.StartsWith("TLS handshake failed", health.Error);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        }

        [Fact]
        public void Missing_ca_file_is_bad_input_naming_the_file()
        {
            var path = Path.Combine(TestBed.Artifacts, "no-such-ca.pem");

            var ex = Assert.Throws<OpsRunbookException>(() => Probe.Target($"tls://127.0.0.1:{TestBed.TlsValidPort}", caPath: path));

            Assert.Equal("InvalidCaCertificate", ex.ErrorId);
            Assert.Equal(FailureCategory.InvalidArgument, ex.Category);
            Assert.Equal(path, ex.TargetObject);
            Assert.StartsWith($"The CA certificate file '{path}' cannot be read: ", ex.Message);
        }

        [Fact]
        public void Ca_file_without_certificates_is_bad_input()
        {
            var path = Path.Combine(TestBed.Artifacts, $"empty-ca-{Guid.NewGuid():N}.pem");
            File.WriteAllText(path, "not a certificate\n");

            var ex = Assert.Throws<OpsRunbookException>(() => Probe.Target($"tls://127.0.0.1:{TestBed.TlsValidPort}", caPath: path));

            Assert.Equal("InvalidCaCertificate", ex.ErrorId);
            Assert.Equal($"The CA certificate file '{path}' cannot be read: the file holds no PEM certificate", ex.Message);
        }

        [Fact]
        public void Tls_target_without_port_uses_443()
        {
            var target = Probe.Target("tls://example.invalid");

            Assert.Equal("tls://example.invalid:443", target.DisplayTarget);
            Assert.Equal("example.invalid:443", target.Name);
        }

        // Judge: the verdict on a certificate, with certificates made here.

        private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

        private static X509Certificate2 Certificate(DateTimeOffset notBefore, DateTimeOffset notAfter, string subject = "CN=api.example.com")
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("api.example.com");
            request.CertificateExtensions.Add(names.Build());
            return request.CreateSelfSigned(notBefore, notAfter);
        }

        [Fact]
        public void Judge_valid_certificate_is_healthy_with_details()
        {
            using var certificate = Certificate(Now.AddDays(-10), Now.AddDays(60).AddHours(1));

            var outcome = TlsHealthProbe.Judge(certificate, SslPolicyErrors.None, X509ChainStatusFlags.NoError, Now);

            Assert.Equal(HealthStatus.Healthy, outcome.Status);
            Assert.Null(outcome.Error);
            Assert.Contains(outcome.Details, d => d.Key == "DaysUntilExpiry" && (int)d.Value! == 60);
            Assert.Contains(outcome.Details, d => d.Key == "Subject" && (string)d.Value! == "CN=api.example.com");
            Assert.Contains(outcome.Details, d => d.Key == "Thumbprint" && (string)d.Value! == certificate.Thumbprint);
        }

        [Fact]
        public void Judge_expired_certificate_is_unhealthy()
        {
            using var certificate = Certificate(Now.AddDays(-100), Now.AddDays(-5).AddHours(-1));

            var outcome = TlsHealthProbe.Judge(certificate, SslPolicyErrors.None, X509ChainStatusFlags.NoError, Now);

            Assert.Equal(HealthStatus.Unhealthy, outcome.Status);
            Assert.Equal($"certificate expired on {Now.AddDays(-5).AddHours(-1):yyyy-MM-dd} (5 days ago)", outcome.Error);
        }

        [Fact]
        public void Judge_not_yet_valid_certificate_is_unhealthy()
        {
            var notBefore = Now.AddDays(2);
            using var certificate = Certificate(notBefore, Now.AddDays(90));

            var outcome = TlsHealthProbe.Judge(certificate, SslPolicyErrors.None, X509ChainStatusFlags.NoError, Now);

            Assert.Equal(HealthStatus.Unhealthy, outcome.Status);
            Assert.Equal($"certificate is not valid before {notBefore:yyyy-MM-dd HH:mm} UTC", outcome.Error);
        }

        [Fact]
        public void Judge_name_mismatch_is_unhealthy_and_names_the_certificate_host()
        {
            using var certificate = Certificate(Now.AddDays(-1), Now.AddDays(90));

            var outcome = TlsHealthProbe.Judge(certificate, SslPolicyErrors.RemoteCertificateNameMismatch, X509ChainStatusFlags.NoError, Now);

            Assert.Equal(HealthStatus.Unhealthy, outcome.Status);
            Assert.StartsWith("certificate does not name this host", outcome.Error);
            Assert.Contains("api.example.com", outcome.Error);
        }

        [Fact]
        public void Judge_untrusted_issuer_is_unhealthy_and_says_to_give_the_ca()
        {
            using var certificate = Certificate(Now.AddDays(-1), Now.AddDays(90));

            var outcome = TlsHealthProbe.Judge(certificate, SslPolicyErrors.RemoteCertificateChainErrors, X509ChainStatusFlags.UntrustedRoot, Now);

            Assert.Equal(HealthStatus.Unhealthy, outcome.Status);
            Assert.Contains("certificate is not trusted: its issuer 'CN=api.example.com' is not a trusted authority (UntrustedRoot)", outcome.Error);
        }

        [Fact]
        public void Judge_other_chain_errors_are_not_trusted()
        {
            using var certificate = Certificate(Now.AddDays(-1), Now.AddDays(90));

            var outcome = TlsHealthProbe.Judge(certificate, SslPolicyErrors.RemoteCertificateChainErrors, X509ChainStatusFlags.Revoked, Now);

            Assert.Equal(HealthStatus.Unhealthy, outcome.Status);
            Assert.Equal("certificate is not trusted (Revoked)", outcome.Error);
        }

        [Theory]
        [InlineData(13, HealthStatus.Degraded)]
        [InlineData(1, HealthStatus.Degraded)]
        [InlineData(0, HealthStatus.Degraded)]
        [InlineData(14, HealthStatus.Healthy)]
        [InlineData(365, HealthStatus.Healthy)]
        public void Judge_degrades_within_14_days_of_expiry(int daysLeft, HealthStatus expected)
        {
            using var certificate = Certificate(Now.AddDays(-30), Now.AddDays(daysLeft).AddHours(2));

            var outcome = TlsHealthProbe.Judge(certificate, SslPolicyErrors.None, X509ChainStatusFlags.NoError, Now);

            Assert.Equal(expected, outcome.Status);
            if (expected == HealthStatus.Degraded)
            {
                Assert.StartsWith($"certificate expires in {daysLeft} days", outcome.Error);
            }
        }

        [Fact]
        public void Judge_expiry_outranks_a_name_mismatch()
        {
            using var certificate = Certificate(Now.AddDays(-100), Now.AddDays(-1));

            var outcome = TlsHealthProbe.Judge(certificate, SslPolicyErrors.RemoteCertificateNameMismatch, X509ChainStatusFlags.NoError, Now);

            Assert.StartsWith("certificate expired", outcome.Error);
        }
    }
}
