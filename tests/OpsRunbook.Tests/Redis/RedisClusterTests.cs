using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Redis;
using StackExchange.Redis;
using Xunit;

namespace OpsRunbook.Tests.Redis
{
    /// <summary>A real three-primary Redis cluster of the test's own (redis-cli --cluster create), stopped by process id.</summary>
    public sealed class RedisClusterTests : IAsyncLifetime
    {
        private RedisServerProcess[] _nodes = Array.Empty<RedisServerProcess>();

        public async Task InitializeAsync()
        {
            _nodes = Enumerable.Range(0, 3)
                .Select(_ => RedisServerProcess.Start(extra: new[] { "cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 5000" }))
                .ToArray();
            var create = new[] { "--cluster", "create" }.Concat(_nodes.Select(n => n.Endpoint)).Append("--cluster-yes").ToArray();
            _nodes[0].Cli(create);
            var clock = Stopwatch.StartNew();
            while (!_nodes.All(n => n.Cli("CLUSTER", "INFO").Contains("cluster_state:ok", StringComparison.Ordinal)))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(20))
                {
                    throw new TimeoutException("The test cluster did not reach cluster_state:ok within 20 s.");
                }

                await Task.Delay(100);
            }
        }

        public Task DisposeAsync()
        {
            foreach (var node in _nodes)
            {
                node.Dispose();
            }

            return Task.CompletedTask;
        }

        private string ConfigurationString => $"{_nodes[0].Endpoint},password={TestBed.Password}";

        [Fact]
        public async Task Clears_the_matching_keys_of_every_primary_and_nothing_else()
        {
            // Filled through the cluster-aware client, so each key lands on the primary that owns its slot.
            var options = ConfigurationOptions.Parse(ConfigurationString);
            await using (var filler = await ConnectionMultiplexer.ConnectAsync(options))
            {
                var db = filler.GetDatabase();
                await Task.WhenAll(Enumerable.Range(0, 3000).SelectMany(i => new Task[]
                {
                    db.StringSetAsync($"cache:market:{i}", "v"),
                    db.StringSetAsync($"keep:{i}", "v"),
                }));
            }

            Assert.All(_nodes, n => Assert.True(RedisCli.Count(n.Port, 0, "cache:market:*") > 500, "every primary holds some of the keys"));
            using var session = await RedisSession.OpenAsync(RedisConnectionInfo.Parse(ConfigurationString, null, Env.None), TimeSpan.FromSeconds(10),
                OperationReporter.None, CancellationToken.None);
            var cleaner = new RedisCacheCleaner(session);

            var counted = await cleaner.ClearAsync(new RedisClearRequest("cache:market:*", null, WhatIf: true), OperationReporter.None, CancellationToken.None);
            var result = await cleaner.ClearAsync(new RedisClearRequest("cache:market:*", null), OperationReporter.None, CancellationToken.None);

            Assert.Equal(3, counted.Primaries);
            Assert.Equal(3000, counted.Matched);
            Assert.Equal(3, result.Primaries);
            Assert.Equal(3000, result.Deleted);
            Assert.Equal(6000, result.Scanned);
            Assert.All(_nodes, n => Assert.Equal(0, RedisCli.Count(n.Port, 0, "cache:market:*")));
            Assert.Equal(3000, _nodes.Sum(n => n.DbSize()));
            var database = Assert.Throws<OpsRunbookException>(() => session.ResolveDatabase(1));
            Assert.Equal("InvalidDatabase", database.ErrorId);
            Assert.Contains("database 0 only", database.Message);
        }
    }
}
