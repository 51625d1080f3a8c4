using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>
    /// What a Redis restore under way has changed that a kill would leave changed: a container it stopped, a server it
    /// made a replica of its temporary server, a masterauth it set. Kept in a file of the state folder that the restore
    /// holds locked while it lives (flock, let go by the kernel however the process ends); a file nobody holds is the
    /// record of a restore that was killed, and the next Redis command puts right what it says.
    /// </summary>
    internal sealed class RedisRestoreMark : IDisposable
    {
        private static readonly JsonSerializerOptions Json = new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };

        private readonly FileStream _file;

        private RedisRestoreMark(string path, FileStream file)
        {
            Path = path;
            _file = file;
        }

        public string Path { get; }

        private const string Area = "redis-restores";

        /// <summary>Records what the restore is about to change, before it changes it.</summary>
        public static RedisRestoreMark Begin(RedisRestoreRecord record)
        {
            var path = System.IO.Path.Combine(StateFolder.For(Area), $"{Guid.NewGuid():N}.json");
            var options = PrivateFiles.NewFile();
            options.Access = FileAccess.ReadWrite;
            var mark = new RedisRestoreMark(path, new FileStream(path, options));
            mark.Update(record);
            return mark;
        }

        public void Update(RedisRestoreRecord record)
        {
            _file.SetLength(0);
            JsonSerializer.Serialize(_file, record, Json);
            _file.Flush(flushToDisk: true);
        }

        /// <summary>The restore finished, or what it changed was put back: the record goes.</summary>
        public void Dispose()
        {
            File.Delete(Path);
            _file.Dispose();
        }

        /// <summary>Lets go of a record without clearing it: someone else's to put right.</summary>
        public void Release() => _file.Dispose();

        /// <summary>The records no live restore holds, each claimed (until disposed or released) so two repairs do not race.</summary>
        public static IEnumerable<(RedisRestoreRecord Record, RedisRestoreMark Claim)> Abandoned()
        {
            var folder = StateFolder.PathOf(Area);
            if (!Directory.Exists(folder))
            {
                yield break;
            }

            foreach (var path in Directory.EnumerateFiles(folder, "*.json"))
            {
                FileStream held;
                try
                {
                    held = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException)
                {
                    continue; // a restore under way holds it, or it is gone
                }

                RedisRestoreRecord? record;
                try
                {
                    record = JsonSerializer.Deserialize<RedisRestoreRecord>(held, Json);
                }
                catch (JsonException)
                {
                    record = null;
                }

                var claim = new RedisRestoreMark(path, held);
                if (record is null)
                {
                    claim.Dispose(); // not ours to read: written by nothing that finished writing it
                    continue;
                }

                yield return (record, claim);
            }
        }
    }

    /// <summary>One restore's record: what it stopped or changed, and where.</summary>
    internal sealed class RedisRestoreRecord
    {
        /// <summary>"container": the container was (about to be) stopped; "replica": the server replicates a temporary server.</summary>
        public string Kind { get; set; } = string.Empty;

        /// <summary>The service, as the inventory names it.</summary>
        public string Target { get; set; } = string.Empty;

        /// <summary>host:port of the server as the restore's connection reached it.</summary>
        public string? Endpoint { get; set; }

        public string? Container { get; set; }

        public string? DockerHost { get; set; }

        /// <summary>The temporary server the target was told to replicate.</summary>
        public string? SourceHost { get; set; }

        public int? SourcePort { get; set; }

        /// <summary>True when the restore set the target's masterauth (it had none): it is emptied again.</summary>
        public bool MasterAuthSet { get; set; }

        public string Host { get; set; } = Environment.MachineName;

        public int ProcessId { get; set; } = Environment.ProcessId;

        public DateTimeOffset StartedAt { get; set; } = DateTimeOffset.UtcNow;

        public override string ToString() => $"restore of {Target} started {StartedAt:u} by process {ProcessId} on {Host}";
    }
}
