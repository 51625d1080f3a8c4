using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// PostgreSQL's own client programs (pg_dump, pg_restore, psql) of a version that can work with the server:
    /// from -ToolPath, else PATH, else /usr/lib/postgresql/&lt;major&gt;/bin. A pg_dump older than the server
    /// refuses to dump it, so the newest installed major at or above the server's is taken.
    /// </summary>
    public sealed class PostgresTools
    {
        private static readonly Regex VersionPattern = new(@"\(PostgreSQL\)\s+(?<major>\d+)(?:\.(?<minor>\d+))?", RegexOptions.CultureInvariant);

        private PostgresTools(string folder, string version)
        {
            Folder = folder;
            Version = version;
        }

        public string Folder { get; }

        /// <summary>What pg_dump --version says: "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".</summary>
        public string Version { get; }

        public string PgDump => Path.Combine(Folder, "pg_dump");

        public string PgRestore => Path.Combine(Folder, "pg_restore");

        public string Psql => Path.Combine(Folder, "psql");

        public static PostgresTools Find(int serverMajor, string? toolPath, Func<string, string?> environment)
        {
            var candidates = new List<string>();
            if (toolPath is not null)
            {
                candidates.Add(toolPath);
            }
            else
            {
                candidates.AddRange((environment("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
                if (Directory.Exists("/usr/lib/postgresql"))
                {
                    candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")));
                }
            }

            var found = candidates
                .Where(folder => File.Exists(Path.Combine(folder, "pg_dump")) && File.Exists(Path.Combine(folder, "pg_restore")) && File.Exists(Path.Combine(folder, "psql")))
                .Select(folder => (Folder: folder, Text: VersionOf(Path.Combine(folder, "pg_dump"))))
                .Select(t => (t.Folder, t.Text, Major: MajorOf(t.Text)))
                .Where(t => t.Major is not null)
                .ToList();
            var usable = found.Where(t => t.Major >= serverMajor).OrderBy(t => t.Major).FirstOrDefault();
            if (usable.Folder is not null)
            {
                return new PostgresTools(usable.Folder, usable.Text);
            }

            var seen = found.Count == 0 ? "none was found" : "found only " + string.Join(", ", found.Select(f => $"{f.Major} in {f.Folder}").Distinct());
            throw new OpsRunbookException(DatabaseErrors.PgToolNotFound, FailureCategory.NotInstalled,
                $"pg_dump, pg_restore and psql of PostgreSQL {serverMajor} or newer are needed for this server; {seen}" +
                (toolPath is null ? " (on PATH and under /usr/lib/postgresql)." : $" (in {toolPath})."),
                toolPath, $"Install the PostgreSQL {serverMajor} client (Debian: apt-get install postgresql-client-{serverMajor}) or give its bin folder with -ToolPath.");
        }

        /// <summary>The major version in "15.18 (Debian ...)" or "PostgreSQL 15.18 ...".</summary>
        public static int ServerMajor(string serverVersion) =>
            int.TryParse(new string(serverVersion.TrimStart().TakeWhile(char.IsDigit).ToArray()), out var major) ? major : 0;

        internal static int? MajorOf(string versionText) =>
            VersionPattern.Match(versionText) is { Success: true } match ? int.Parse(match.Groups["major"].Value) : null;

        private static string VersionOf(string program)
        {
            try
            {
                using var process = ChildProcess.Start(program, new[] { "--version" }, new Dictionary<string, string?>(), redirectOutput: true, redirectInput: false);
                var text = process.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit(10_000);
                return text;
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
            {
                return string.Empty;
            }
        }
    }
}
