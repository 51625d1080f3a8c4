using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Redis;
using Xunit;

namespace OpsRunbook.Tests.Redis
{
    /// <summary>Clear-RedisCache's engine against the test bed's server: unique key prefixes per test, redis-cli as the witness.</summary>
    public class RedisCacheCleanerTests
    {
        private static string NewPrefix() => "orb-clear-" + Guid.NewGuid().ToString("N")[..8];

        private static async Task<RedisCacheClearResult> Clear(string pattern, int? database = null, bool whatIf = false, string? uri = null,
            IOperationReporter? reporter = null, int batchSize = 100)
        {
            using var session = await RedisSession.OpenAsync(RedisConnectionInfo.Parse(uri ?? TestBed.RedisUri, null, Env.None), TimeSpan.FromSeconds(10),
                OperationReporter.None, CancellationToken.None);
            return await new RedisCacheCleaner(session).ClearAsync(new RedisClearRequest(pattern, database, batchSize, whatIf), reporter ?? OperationReporter.None,
                CancellationToken.None);
        }

        private static IEnumerable<string> Keys(string prefix, string middle, int count) => Enumerable.Range(0, count).Select(i => $"{prefix}:{middle}:{i}");

        [Fact]
        public async Task Deletes_exactly_the_keys_that_match_and_nothing_else()
        {
            var prefix = NewPrefix();
            RedisCli.SetMany(TestBed.RedisPort, 0, Keys(prefix, "cache:market", 2500)
                .Concat(Keys(prefix, "cache:marketing", 300))
                .Concat(Keys(prefix, "session", 200))
                .Append($"{prefix}:cache:market")); // the prefix alone does not match 'cache:market:*'
            try
            {
                var result = await Clear($"{prefix}:cache:market:*");

                Assert.Equal(2500, result.Matched);
                Assert.Equal(2500, result.Deleted);
                Assert.True(result.Completed);
                Assert.False(result.WhatIf);
                Assert.Equal(RedisClearMethod.ScanUnlink, result.Method);
                Assert.Equal(1, result.Primaries);
                Assert.Equal(0, result.Database);
                Assert.True(result.Scanned >= 3001, $"scanned {result.Scanned}");
                Assert.Equal($"redis://{TestBed.RedisHost}:{TestBed.RedisPort}", result.Server);
                Assert.Equal(0, RedisCli.Count(TestBed.RedisPort, 0, $"{prefix}:cache:market:*"));
                Assert.Equal(300, RedisCli.Count(TestBed.RedisPort, 0, $"{prefix}:cache:marketing:*"));
                Assert.Equal(200, RedisCli.Count(TestBed.RedisPort, 0, $"{prefix}:session:*"));
                Assert.Equal(1, RedisCli.Count(TestBed.RedisPort, 0, $"{prefix}:cache:market"));
            }
            finally
            {
                await Clear($"{prefix}:*");
            }
        }

        [Fact]
        public async Task WhatIf_counts_and_deletes_nothing()
        {
            var prefix = NewPrefix();
            RedisCli.SetMany(TestBed.RedisPort, 0, Keys(prefix, "cache", 700).Concat(Keys(prefix, "keep", 50)));
            try
            {
                var result = await Clear($"{prefix}:cache:*", whatIf: true);

                Assert.True(result.WhatIf);
                Assert.Equal(700, result.Matched);
                Assert.Equal(0, result.Deleted);
                Assert.Equal(700, RedisCli.Count(TestBed.RedisPort, 0, $"{prefix}:cache:*"));
                Assert.Contains("would be deleted", result.ToString());
            }
            finally
            {
                await Clear($"{prefix}:*");
            }
        }

        [Fact]
        public async Task Glob_classes_single_characters_and_escapes_reach_only_their_keys()
        {
            var prefix = NewPrefix();
            var keys = new[] { "u:1", "u:2", "u:7", "u:x", "u:10", "lit:*", "lit:a" }.Select(k => $"{prefix}:{k}").ToList();
            RedisCli.SetMany(TestBed.RedisPort, 0, keys);
            try
            {
                Assert.Equal(2, (await Clear($"{prefix}:u:[0-5]")).Deleted);
                Assert.Equal(2, (await Clear($"{prefix}:u:?")).Deleted);
                Assert.Equal(1, (await Clear($@"{prefix}:lit:\*")).Deleted);
                var left = RedisCli.OnTestBed(0, "--scan", "--pattern", $"{prefix}:*").Split('\n', StringSplitOptions.RemoveEmptyEntries).OrderBy(k => k);
                Assert.Equal(new[] { $"{prefix}:lit:a", $"{prefix}:u:10" }, left);
            }
            finally
            {
                await Clear($"{prefix}:*");
            }
        }

        [Fact]
        public async Task Works_in_the_database_asked_for_and_leaves_the_others()
        {
            var prefix = NewPrefix();
            RedisCli.SetMany(TestBed.RedisPort, 7, Keys(prefix, "c", 120));
            RedisCli.SetMany(TestBed.RedisPort, 0, Keys(prefix, "c", 30));
            try
            {
                var fromParameter = await Clear($"{prefix}:c:1*", database: 7);
                var fromUrl = await Clear($"{prefix}:c:*", uri: $"{TestBed.RedisUri}/7");

                Assert.Equal(31, fromParameter.Deleted); // 1, 10-19, 100-119
                Assert.Equal(7, fromParameter.Database);
                Assert.Equal(89, fromUrl.Deleted);
                Assert.Equal(7, fromUrl.Database);
                Assert.Equal(0, RedisCli.Count(TestBed.RedisPort, 7, $"{prefix}:*"));
                Assert.Equal(30, RedisCli.Count(TestBed.RedisPort, 0, $"{prefix}:*"));
            }
            finally
            {
                await Clear($"{prefix}:*");
                await Clear($"{prefix}:*", database: 7);
            }
        }

        [Fact]
        public async Task Reports_progress_as_the_scan_walks_the_keyspace()
        {
            var prefix = NewPrefix();
            RedisCli.SetMany(TestBed.RedisPort, 0, Keys(prefix, "p", 400));
            var reporter = new RecordingReporter();

            var result = await Clear($"{prefix}:p:*", reporter: reporter, batchSize: 50);

            Assert.Equal(400, result.Deleted);
            var progress = reporter.Progresses;
            Assert.True(progress.Count > 3, $"{progress.Count} progress reports");
            Assert.All(progress, p => Assert.InRange(p.PercentComplete, 0, 100));
            Assert.True(progress[^1].Completed);
            Assert.Contains(progress, p => p.Status.Contains("deleted of", StringComparison.Ordinal));
            Assert.Contains(reporter.Verboses, v => v.Contains($"for '{prefix}:p:*'", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Invalid_pattern_is_refused_before_anything_is_sent()
        {
            var ex = await Assert.ThrowsAsync<OpsRunbookException>(() => Clear("cache:[unclosed"));

            Assert.Equal("InvalidPattern", ex.ErrorId);
            Assert.Equal("cache:[unclosed", ex.TargetObject);
        }

        [Fact]
        public void Scanned_fraction_reads_the_reversed_cursor()
        {
            Assert.Equal(1.0, RedisCacheCleaner.ScannedFraction("0"));
            Assert.Equal(0.5, RedisCacheCleaner.ScannedFraction("1"), 6);        // bit 0 reversed is the top bit
            Assert.Equal(0.25, RedisCacheCleaner.ScannedFraction("2"), 6);
            Assert.Equal(0.75, RedisCacheCleaner.ScannedFraction("3"), 6);
            Assert.Equal(0.0, RedisCacheCleaner.ScannedFraction("not-a-cursor"));
        }
    }
}
