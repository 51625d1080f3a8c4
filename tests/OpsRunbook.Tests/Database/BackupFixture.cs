using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Database;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    /// <summary>
    /// A database of its own for the backup tests, owned by the application role as in production: customers,
    /// orders with jsonb and an index, and a table whose name needs quoting. Dropped at the end.
    /// </summary>
    public sealed class BackupFixture : IAsyncLifetime
    {
        public string Database { get; } = TestDb.Unique("bk");

        public string Folder { get; } = Path.Combine(TestBed.Artifacts, "backups-" + Guid.NewGuid().ToString("N")[..8]);

        public static readonly IReadOnlyDictionary<string, long> Rows = new Dictionary<string, long>
        {
            ["public.customers"] = 500,
            ["public.orders"] = 3000,
            ["public.\"Order Notes\""] = 120,
        };

        /// <summary>The application role's URI for this database (password included; never shown).</summary>
        public string OwnerUri => $"postgres://{TestBed.PostgresUser}:{Uri.EscapeDataString(TestBed.Password)}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{Database}";

        /// <summary>The superuser, who may create, rename and drop databases: restores run as it.</summary>
        public static string SuperuserUri(string database) =>
            $"postgres://postgres:{Uri.EscapeDataString(TestBed.Password)}@{TestBed.PostgresHost}:{TestBed.PostgresPort}/{database}";

        public static DatabaseConnector Connector(string uri) => new(PostgresConnectionInfo.Parse(uri, null, Env.None), TimeSpan.FromSeconds(30));

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Folder);
            await Psql.QueryAsync($"CREATE DATABASE {Database} OWNER {TestBed.PostgresUser}", TestDb.Superuser, "postgres");
            await Psql.QueryAsync("""
                CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text, created_at timestamptz DEFAULT now(), profile jsonb);
                CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int REFERENCES customers, total numeric(10,2), status text, placed_at timestamptz, items jsonb);
                CREATE INDEX orders_by_customer ON orders (customer_id, placed_at);
                CREATE TABLE "Order Notes" (id int, note text);
                INSERT INTO customers (name, email, profile) SELECT 'customer ' || g, 'c' || g || '@example.test', jsonb_build_object('tier', g % 3, 'tags', jsonb_build_array('a', 'b')) FROM generate_series(1, 500) g;
                INSERT INTO orders (customer_id, total, status, placed_at, items) SELECT 1 + g % 500, (g % 997) / 7.0, (ARRAY['new','paid','shipped'])[1 + g % 3], now() - g * interval '1 minute', jsonb_build_array(jsonb_build_object('sku', md5(g::text), 'qty', g % 5)) FROM generate_series(1, 3000) g;
                INSERT INTO "Order Notes" SELECT g, repeat('note ', g % 20) FROM generate_series(1, 120) g;
                """, database: Database);
        }

        public async Task DisposeAsync()
        {
            await Psql.QueryAsync($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", TestDb.Superuser, "postgres");
            TestArtifacts.Remove(Folder);
        }
    }

    /// <summary>Stock programs as the independent witnesses: sha256sum, pg_restore, psql, gzip.</summary>
    internal static class Witness
    {
        public static (int ExitCode, string Output) Run(string program, IEnumerable<string> arguments, string? workingDirectory = null, string? shell = null)
        {
            var info = shell is null ? new ProcessStartInfo(program) : new ProcessStartInfo("bash");
            if (shell is null)
            {
                foreach (var argument in arguments)
                {
                    info.ArgumentList.Add(argument);
                }
            }
            else
            {
                info.ArgumentList.Add("-c");
                info.ArgumentList.Add(shell);
            }

            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            info.WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory;
            info.Environment["PGPASSWORD"] = TestBed.Password;
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(true);
                throw new TimeoutException($"{program} did not finish in 120 s.");
            }

            return (process.ExitCode, output.Result + error.Result);
        }

        /// <summary>A bash line run with PGPASSWORD set and the test bed's PG* address: for pipelines such as gunzip | psql.</summary>
        public static (int ExitCode, string Output) Bash(string line, string? workingDirectory = null) =>
            Run("bash", Array.Empty<string>(), workingDirectory,
                $"export PGHOST={TestBed.PostgresHost} PGPORT={TestBed.PostgresPort} PATH={TestBed.PostgresBin}:$PATH; {line}");

        /// <summary>ps: whether a pg_dump of that database runs on this machine.</summary>
        public static bool PgDumpRunsFor(string database) =>
            Run("ps", new[] { "-eo", "args" }).Output.Contains($"-d {database} --no-password", StringComparison.Ordinal);

        public static Task<long> CountAsync(string table, string database) => Psql.ScalarAsync($"SELECT count(*) FROM {table}", TestDb.Superuser, database);
    }
}
