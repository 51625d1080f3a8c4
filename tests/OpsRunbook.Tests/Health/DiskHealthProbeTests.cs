using System;
using System.Linq;
using System.Threading.Tasks;
using OpsRunbook.Engine.Health;
using OpsRunbook.Tests.Observability;
using Xunit;

namespace OpsRunbook.Tests.Health
{
    public class DiskHealthProbeTests
    {
        private static ProbeTarget Disk(string path, double degraded = 80, double unhealthy = 95) =>
            ProbeTarget.Create(new ProbeDefinition(path) { Kind = ServiceKind.Disk, DiskThresholds = new DiskThresholds(degraded, unhealthy) }, Env.None);

        [Fact]
        public async Task Reports_used_and_free_space_as_df_does()
        {
            var health = await Probe.CheckAsync(Disk("/tmp"));
            // df as the witness: used and available bytes of the same file system.
            var df = Observe.Run("df", "-B1", "--output=used,avail,target", "/tmp").Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);

            Assert.Equal(ServiceKind.Disk, health.Kind);
            var used = (long)Probe.Detail(health, "UsedBytes")!;
            var free = (long)Probe.Detail(health, "FreeBytes")!;
            Assert.InRange(used, long.Parse(df[0]) - (256L << 20), long.Parse(df[0]) + (256L << 20));
            Assert.InRange(free, long.Parse(df[1]) - (256L << 20), long.Parse(df[1]) + (256L << 20));
            Assert.Equal(df[2], Probe.Detail(health, "MountPoint"));
            var percent = (double)Probe.Detail(health, "UsedPercent")!;
            Assert.Equal(Math.Round(100.0 * used / (used + free), 2), percent, 1);
            Assert.Equal(percent < 80 ? HealthStatus.Healthy : percent < 95 ? HealthStatus.Degraded : HealthStatus.Unhealthy, health.Status);
        }

        [Fact]
        public async Task Is_Degraded_and_Unhealthy_at_the_thresholds_given()
        {
            var percent = (double)Probe.Detail(await Probe.CheckAsync(Disk("/")), "UsedPercent")!;

            var degraded = await Probe.CheckAsync(Disk("/", degraded: Math.Max(0, percent - 1), unhealthy: 100));
            var unhealthy = await Probe.CheckAsync(Disk("/", degraded: 0, unhealthy: Math.Max(0, percent - 1)));

            Assert.Equal(HealthStatus.Degraded, degraded.Status);
            Assert.Matches(@"^/ is [\d.]+% full \(.+ free\), at or above [\d.]+%$", degraded.Error);
            Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        }

        [Fact]
        public void A_path_that_does_not_exist_or_thresholds_out_of_order_are_errors_and_disk_URIs_and_paths_name_the_kind()
        {
            Assert.Equal("PathNotFound", Assert.Throws<OpsRunbookException>(() => Disk("/no/such/mount")).ErrorId);
            Assert.Equal("InvalidDiskThreshold", Assert.Throws<OpsRunbookException>(() => Disk("/", degraded: 90, unhealthy: 80)).ErrorId);
            Assert.Equal(ServiceKind.Disk, ProbeTarget.KindFromScheme("disk:///var"));
            Assert.Equal(ServiceKind.Disk, ProbeTarget.KindFromScheme("/var/lib"));
            Assert.Equal("/tmp", ProbeTarget.Create(new ProbeDefinition("disk:///tmp"), Env.None).DisplayTarget);
        }
    }
}
