using NatGateway.Core.Kernel;
using NatGateway.Core.Kernel.Diagnostics;
using Xunit;

namespace NatGateway.Core.Tests.Diagnostics;

public sealed class RpsMasksTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("natgw-rps-").FullName;

    private void Queue(string device, string queue, string? mask)
    {
        var dir = Path.Combine(_root, device, "queues", queue);
        Directory.CreateDirectory(dir);
        if (mask is not null) File.WriteAllText(Path.Combine(dir, "rps_cpus"), mask + "\n");
    }

    [Fact]
    public void Masks_are_read_per_receive_queue_in_order()
    {
        Queue("eth1", "rx-10", "00000000,00000000");
        Queue("eth1", "rx-2", "00000000,0000000f");
        Queue("eth1", "tx-0", null);
        Queue("eth0", "rx-0", "0");
        Queue("nocfg", "rx-0", null); // a kernel without CONFIG_RPS has no rps_cpus
        Directory.CreateDirectory(Path.Combine(_root, "bonding_masters_dir_without_queues"));

        var queues = RpsMasks.Read(_root);

        Assert.Equal(
            [new RpsQueue("eth0", "rx-0", "0"), new RpsQueue("eth1", "rx-2", "00000000,0000000f"), new RpsQueue("eth1", "rx-10", "00000000,00000000")],
            queues);
        Assert.Equal([false, true, false], queues.Select(q => q.Enabled));
    }

    [Fact]
    public void A_missing_sysfs_is_an_error_naming_the_path()
    {
        var e = Assert.Throws<InvalidOperationException>(() => RpsMasks.Read(Path.Combine(_root, "absent")));
        Assert.Contains("absent", e.Message);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
