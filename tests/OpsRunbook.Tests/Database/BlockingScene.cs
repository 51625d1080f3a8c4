using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Tests.Database
{
    /// <summary>
    /// The scene, under an application_name of its own: a session that sleeps in pg_sleep, one that
    /// holds a lock in an open transaction, and a third blocked by that lock. Dispose ends them all.
    /// </summary>
    internal sealed class BlockingScene : IAsyncDisposable
    {
        private NpgsqlConnection? _holder;
        private NpgsqlConnection? _waiter;
        private NpgsqlConnection? _sleeper;

        private BlockingScene(string application, string table)
        {
            Application = application;
            Table = table;
        }

        public string Application { get; }

        public string Table { get; }

        public int HolderPid { get; private set; }

        public int WaiterPid { get; private set; }

        public int SleeperPid { get; private set; }

        /// <summary>The blocked query; it completes once the holder is gone.</summary>
        public Task Waiting { get; private set; } = Task.CompletedTask;

        /// <summary>The pg_sleep(60) query.</summary>
        public Task Sleeping { get; private set; } = Task.CompletedTask;

        public static async Task<BlockingScene> StartAsync()
        {
            var scene = new BlockingScene(TestDb.Unique("app"), TestDb.Unique("locked"));
            try
            {
                await scene.OpenAsync();
                return scene;
            }
            catch
            {
                await scene.DisposeAsync();
                throw;
            }
        }

        private async Task OpenAsync()
        {
            await TestDb.ExecuteAsync($"CREATE TABLE {Table} (id int); INSERT INTO {Table} VALUES (1)");
            _holder = await TestDb.OpenAsync(Application);
            HolderPid = _holder.ProcessID;
            await TestDb.ExecuteAsync(_holder, $"BEGIN; LOCK TABLE {Table} IN ACCESS EXCLUSIVE MODE");

            // The holder is the longest in its state: the others start a moment later.
            await Task.Delay(300);
            _waiter = await TestDb.OpenAsync(Application);
            WaiterPid = _waiter.ProcessID;
            Waiting = TestDb.StartAsync(_waiter, $"SELECT count(*) FROM {Table}");
            _sleeper = await TestDb.OpenAsync(Application);
            SleeperPid = _sleeper.ProcessID;
            Sleeping = TestDb.StartAsync(_sleeper, "SELECT pg_sleep(60) /* 'literal' stays */");

            var reader = new DatabaseActivityReader(TestDb.Connector());
            await TestDb.WaitUntilAsync(async () =>
            {
                var sessions = await reader.ReadAsync(new ActivityFilter { Applications = new[] { Application } }, OperationReporter.None, CancellationToken.None);
                return sessions.Any(s => s.Pid == WaiterPid && s.WaitEventType == "Lock") &&
                       sessions.Any(s => s.Pid == SleeperPid && s.State == DatabaseSessionState.Active && s.WaitEventType == "Timeout");
            }, "the blocked and the sleeping queries");
        }

        public async ValueTask DisposeAsync()
        {
            await TestDb.TerminateApplicationAsync(Application);
            foreach (var running in new[] { Waiting, Sleeping })
            {
                try
                {
                    await running.WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (Exception)
                {
                    // Cancelled or terminated by the test: what it expected is asserted there.
                }
            }

            foreach (var connection in new[] { _holder, _waiter, _sleeper })
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }

            await TestDb.DropTableAsync(Table);
        }
    }
}
