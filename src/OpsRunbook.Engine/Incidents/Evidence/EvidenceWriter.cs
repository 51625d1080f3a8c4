using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Incidents.Evidence
{
    /// <summary>
    /// Writes the files of one incident's evidence folder, numbered in the order taken (01-health.json, 02-...),
    /// each redacted before it touches the disk, written under a hidden name and renamed when complete.
    /// </summary>
    internal sealed class EvidenceWriter
    {
        private static readonly Regex Unsafe = new(@"[^A-Za-z0-9._\-]+", RegexOptions.CultureInvariant);

        private readonly EvidenceRedactor _redactor;
        private int _next;

        public EvidenceWriter(string folder, EvidenceRedactor redactor)
        {
            Folder = folder;
            _redactor = redactor;
        }

        public string Folder { get; }

        /// <summary>Writes one item and returns its timeline entry. IO failures throw.</summary>
        /// <param name="slug">What it is, in the file name: "health", "logs-app-api-1".</param>
        public IncidentEntry Write(string slug, string extension, string source, string content)
        {
            PrivateFiles.CreateFolder(Folder);
            var name = $"{++_next:D2}-{Unsafe.Replace(slug, "_").Trim('_', '.')}.{extension}";
            var path = Path.Combine(Folder, name);
            var (redacted, count) = _redactor.Redact(content);
            var bytes = Encoding.UTF8.GetBytes(redacted);
            var partial = Path.Combine(Folder, "." + name + ".partial");
            try
            {
                File.Delete(partial);
                PrivateFiles.Write(partial, bytes);
                File.Move(partial, path, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }

            return new IncidentEntry(IncidentEventKind.Evidence)
            {
                EvidenceFolder = Folder,
                Name = name,
                Path = path,
                Source = source,
                Bytes = bytes.Length,
                Sha256 = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(),
                Redactions = count,
            };
        }

        public IncidentEntry Skipped(string source, string error) =>
            new(IncidentEventKind.EvidenceSkipped) { EvidenceFolder = Folder, Source = source, Error = _redactor.Redact(error).Text };
    }
}
