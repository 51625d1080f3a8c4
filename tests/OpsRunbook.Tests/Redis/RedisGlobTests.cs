using System;
using System.Collections.Generic;
using System.Linq;
using OpsRunbook.Engine.Redis;
using Xunit;

namespace OpsRunbook.Tests.Redis
{
    public class RedisGlobTests
    {
        [Theory]
        [InlineData("cache:market:*", "cache:market:AAPL", true)]
        [InlineData("cache:market:*", "cache:market:", true)]
        [InlineData("cache:market:*", "cache:marketing:x", false)]
        [InlineData("cache:market:*", "xcache:market:1", false)]
        [InlineData("session:??:*", "session:ab:1", true)]
        [InlineData("session:??:*", "session:a:1", false)]
        [InlineData("user:[0-9]*", "user:7abc", true)]
        [InlineData("user:[0-9]*", "user:x7", false)]
        [InlineData("user:[^0-9]*", "user:x7", true)]
        [InlineData("user:[9-0]", "user:5", true)]
        [InlineData("k:[abc]", "k:b", true)]
        [InlineData("k:[abc]", "k:d", false)]
        [InlineData(@"k:\*", "k:*", true)]
        [InlineData(@"k:\*", "k:x", false)]
        [InlineData(@"k:[\]]", "k:]", true)]
        [InlineData("*:end", "a:b:end", true)]
        [InlineData("*:end", "a:b:end:no", false)]
        [InlineData("a*b*c", "axxbyyc", true)]
        [InlineData("a*b*c", "axxbyy", false)]
        [InlineData("**", "", true)]
        [InlineData("?", "", false)]
        public void Matches_as_redis_does(string pattern, string key, bool expected)
        {
            Assert.Equal(expected, RedisGlob.Parse(pattern).IsMatch(key));
        }

        [Theory]
        [InlineData("")]
        [InlineData("cache:[abc")]
        [InlineData("cache:\\")]
        [InlineData("cache:[]")]
        public void Refuses_patterns_that_cannot_mean_what_was_meant(string pattern)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => RedisGlob.Parse(pattern));

            Assert.Equal("InvalidPattern", ex.ErrorId);
            Assert.Equal(FailureCategory.InvalidArgument, ex.Category);
            Assert.Equal(pattern, ex.TargetObject);
            Assert.Contains($"'{pattern}'", ex.Message);
        }

        [Theory]
        [InlineData("*", true)]
        [InlineData("***", true)]
        [InlineData("*:*", false)]
        [InlineData("cache:*", false)]
        public void Knows_a_pattern_that_takes_every_key(string pattern, bool everything)
        {
            Assert.Equal(everything, RedisGlob.Parse(pattern).MatchesEverything);
        }

        [Fact]
        public void Agrees_with_the_server_on_every_key()
        {
            // The server's SCAN MATCH is the witness: the client-side check must keep exactly what it keeps.
            var prefix = "orb-glob-" + Guid.NewGuid().ToString("N")[..8] + ":";
            var keys = new[] { "a", "ab", "abc", "b1", "b22", "c-x", "c]y", "d*e", "d?e", "dxe", "é", "éx", "x[1]", "x1" }.Select(k => prefix + k).ToList();
            RedisCli.SetMany(TestBed.RedisPort, 0, keys);
            try
            {
                foreach (var tail in new[] { "*", "a*", "?", "??", "b[0-9]*", "[^ab]*", @"d\*e", @"d\?e", "d?e", "c[-a-z]?", @"c[\]]?", "é?", "x\\[*", "[a-c]*" })
                {
                    var pattern = prefix + tail;
                    var server = RedisCli.OnTestBed(0, "--scan", "--pattern", pattern).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
                    var glob = RedisGlob.Parse(pattern);
                    var ours = keys.Where(glob.IsMatch).ToHashSet();
                    Assert.True(server.SetEquals(ours), $"{tail}: server {string.Join(' ', server.OrderBy(k => k))} / ours {string.Join(' ', ours.OrderBy(k => k))}");
                }
            }
            finally
            {
                RedisCli.OnTestBed(0, new[] { "DEL" }.Concat(keys).ToArray());
            }
        }
    }
}
