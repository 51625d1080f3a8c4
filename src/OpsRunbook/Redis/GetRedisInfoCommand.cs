using System.Management.Automation;
using OpsRunbook.Engine.Redis;

namespace OpsRunbook.Redis
{
    /// <summary>
    /// What `redis-cli INFO` tells, as one object per server: memory, clients, the cache hit rate judged by the
    /// runbooks' thresholds, evictions, keys per database, persistence, role and replication.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "RedisInfo", DefaultParameterSetName = ConnectionStringSet)]
    [OutputType(typeof(RedisInfo))]
    public sealed class GetRedisInfoCommand : RedisCommandBase
    {
        protected override void ProcessRecord()
        {
            foreach (var target in ResolveTargets())
            {
                RunWithSession(target, async (session, reporter, pump, cancellationToken) =>
                {
                    foreach (var info in await new RedisInfoReader(session).ReadAsync(target.Name, cancellationToken).ConfigureAwait(false))
                    {
                        pump.Post(() => WriteObject(info));
                    }
                });
            }
        }
    }
}
