using System.IO;
using System.Threading;
using OpsRunbook.Engine.Database.Backup;
using Xunit;

namespace OpsRunbook.Tests.Database
{
    /// <summary>psql's own reading of a script: a backslash counts only where psql would run it.</summary>
    public sealed class PlainDumpScannerTests
    {
        private static (long Line, string? Command) Scan(string script) => PlainDumpScanner.Find(new StringReader(script), CancellationToken.None);

        [Theory]
        [InlineData("SELECT 1;\n\\! rm -rf ~\n", 2, "!")]
        [InlineData("SELECT 1; \\! id\n", 1, "!")]
        [InlineData("CREATE TABLE t (a int);\n\\connect postgres\n", 2, "connect")]
        [InlineData("\\c other\n", 1, "c")]
        [InlineData("SELECT 'a''b';\n\\o /tmp/x\n", 2, "o")]
        [InlineData("SELECT 1 \\gexec\n", 1, "gexec")]
        [InlineData("COPY t (a) FROM stdin;\n1\n\\.\n\\i /etc/passwd\n", 4, "i")]
        [InlineData("SELECT $$ a $$;\n\\w out\n", 2, "w")]
        [InlineData("SELECT E'it\\'s';\n\\!\n", 2, "!")]
        public void Finds_a_command_psql_would_run(string script, long line, string command)
        {
            Assert.Equal((line, command), Scan(script));
        }

        [Theory]
        [InlineData("\\restrict abc123\nSELECT 1;\n\\unrestrict abc123\n")]
        [InlineData("SELECT '\\! not a command';\n")]
        [InlineData("SELECT \"col\\!\" FROM t;\n")]
        [InlineData("-- \\! a comment\nSELECT 1;\n")]
        [InlineData("/* \\! a /* nested */ comment */ SELECT 1;\n")]
        [InlineData("CREATE FUNCTION f() RETURNS text AS $body$ SELECT '\\!' $body$ LANGUAGE sql;\n")]
        [InlineData("COPY public.t (a, b) FROM stdin;\n\\!x\t\\N\n\\\\ data\n\\.\nSELECT 1;\n")]
        [InlineData("SELECT E'\\\\'; SELECT 1;\n")]
        [InlineData("SELECT $1, a$b$c FROM t;\n")]
        public void Passes_what_pg_dump_writes_and_backslashes_inside_data(string script)
        {
            Assert.Null(Scan(script).Command);
        }

        [Fact]
        public void Reads_a_line_longer_than_its_buffer_with_flat_memory()
        {
            var huge = new string('x', 5_000_000);
            Assert.Null(Scan($"COPY t (a) FROM stdin;\n{huge}\n\\.\nSELECT '{huge}';\n").Command);
            Assert.Equal((5L, "!"), Scan($"COPY t (a) FROM stdin;\n{huge}\n\\.\nSELECT '{huge}';\n\\! id\n"));
        }
    }
}
