using System;
using System.IO;
using System.Net;

namespace OpsRunbook.Tests
{
    /// <summary>
    /// Where the real services of this run are. The test command starts them (tests/testbed/TestBed.psm1)
    /// and passes their addresses in OPSRUNBOOK_TEST_* variables; without them a test fails, never skips.
    /// </summary>
    internal static class TestBed
    {
        public static string Password => Get("OPSRUNBOOK_TEST_PASSWORD");

        public static string Artifacts => Get("OPSRUNBOOK_TEST_ARTIFACTS");

        public static string PostgresHost => Get("OPSRUNBOOK_TEST_PG_HOST");

        public static int PostgresPort => int.Parse(Get("OPSRUNBOOK_TEST_PG_PORT"));

        public static string PostgresUser => Get("OPSRUNBOOK_TEST_PG_USER");

        public static string PostgresDatabase => Get("OPSRUNBOOK_TEST_PG_DATABASE");

        public static string PostgresBin => Get("OPSRUNBOOK_TEST_PG_BIN");

        /// <summary>postgres://opsrunbook:PASSWORD@127.0.0.1:PORT/opsrunbook</summary>
        public static string PostgresUri =>
            $"postgres://{PostgresUser}:{Uri.EscapeDataString(Password)}@{PostgresHost}:{PostgresPort}/{PostgresDatabase}";

        public static string RedisHost => Get("OPSRUNBOOK_TEST_REDIS_HOST");

        public static int RedisPort => int.Parse(Get("OPSRUNBOOK_TEST_REDIS_PORT"));

        /// <summary>redis://:PASSWORD@127.0.0.1:PORT</summary>
        public static string RedisUri => $"redis://:{Uri.EscapeDataString(Password)}@{RedisHost}:{RedisPort}";

        public static string DockerHost => Get("OPSRUNBOOK_TEST_DOCKER_HOST");

        public static string DockerImage => Get("OPSRUNBOOK_TEST_DOCKER_IMAGE");

        /// <summary>http://127.0.0.1:PORT of the HTTP test service (tests/OpsRunbook.TestService).</summary>
        public static string HttpUrl => Get("OPSRUNBOOK_TEST_HTTP_URL");

        public static string TlsCaPath => Get("OPSRUNBOOK_TEST_TLS_CA");

        /// <summary>http://127.0.0.1:PORT of the test bed's Prometheus, which scrapes the HTTP test service every second.</summary>
        public static string PrometheusUrl => Get("OPSRUNBOOK_TEST_PROMETHEUS_URL");

        /// <summary>The generated 1,000,000-line JSON log; its known counts are in the .counts.json beside it.</summary>
        public static string AppLog => Get("OPSRUNBOOK_TEST_APP_LOG");

        public static int TlsValidPort => int.Parse(Get("OPSRUNBOOK_TEST_TLS_VALID_PORT"));

        public static int TlsExpiringPort => int.Parse(Get("OPSRUNBOOK_TEST_TLS_EXPIRING_PORT"));

        public static int TlsExpiredPort => int.Parse(Get("OPSRUNBOOK_TEST_TLS_EXPIRED_PORT"));

        public static NetworkCredential Credential => new(PostgresUser, Password);

        /// <summary>The module as the build assembled it (out/OpsRunbook).</summary>
        public static string ModuleDirectory
        {
            get
            {
                for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, "out", "OpsRunbook");
                    if (File.Exists(Path.Combine(dir.FullName, "OpsRunbook.sln")))
                    {
                        return Directory.Exists(candidate)
                            ? candidate
                            : throw new InvalidOperationException($"{candidate} is missing: build the solution first (dotnet build -c Release).");
                    }
                }

                throw new InvalidOperationException("The repository root (OpsRunbook.sln) was not found above the test assembly.");
            }
        }

        /// <summary>A port on loopback that nothing listens on (bound, then released).</summary>
        public static int ClosedPort()
        {
            var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private static string Get(string name) =>
            Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException(
                    $"{name} is not set: the test bed is not running. Run the tests with ./test.sh (or dotnet pwsh ./build.ps1 -Task Test), which starts it.");
    }
}
