using System.Net;
using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Core.Tests.Cluster;

/// <summary>
/// keepalived.conf and conntrackd.conf as written for gw1 of HA-NOTES' topology, against golden files
/// (Cluster/Golden/*.conf; on a difference the actual text is written beside them as *.actual). The assertions after
/// each golden compare name the lines that matter and why, so a golden update cannot silently drop them. keepalived's
/// own parser (<c>keepalived -t</c>) checks every generated file in LocalClusterServices.Apply, inside the node's
/// namespace (it refuses interfaces that do not exist there), so the kernel test covers that.
/// </summary>
public sealed class ClusterConfWriterTests
{
    private static readonly ClusterRunFiles Files = new("/run/natgw/cluster");
    private static readonly string[] Natgw = ["/usr/bin/natgw"];
    private static readonly string[] ViaAgent = ["--agent", "/run/natgw/agent.sock"];

    [Fact]
    public void The_notify_sequence_leaves_out_what_an_absent_external_cache_makes_a_no_op_or_harmful()
    {
        static string Of(VrrpState state, bool disabled) => string.Join(' ', LocalClusterServices.NotifySequence(state, disabled).Select(s => string.Join(' ', s)));
        // With the external cache: conntrackd's doc/sync/primary-backup.sh (HA-NOTES).
        Assert.Equal("-c -f -R -B", Of(VrrpState.Primary, false));
        Assert.Equal("-t -n", Of(VrrpState.Backup, false));
        Assert.Equal("-t", Of(VrrpState.Fault, false));
        // Without it (the default): no commit (a no-op in external_inject.c), no -t (its scheduled selective flush would
        // delete the peer's entries from this backup's kernel table, src/sync-mode.c + src/netlink.c).
        Assert.Equal("-f -R -B", Of(VrrpState.Primary, true));
        Assert.Equal("-n", Of(VrrpState.Backup, true));
        Assert.Equal("", Of(VrrpState.Fault, true));
        Assert.True(new ClusterServiceOptions().DisableExternalCache, "the product default is DisableExternalCache On");
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalClusterServices.NotifySequence(VrrpState.Stopped, true));
    }

    [Fact]
    public void A_notification_overtaken_by_a_later_one_is_ignored()
    {
        // keepalived forks fault → backup → primary scripts in order but they run in parallel: the older may arrive last.
        var directory = Path.Combine(Path.GetTempPath(), "natgw-notify-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var files = new ClusterRunFiles(directory);
            using var services = new LocalClusterServices(new ProcSysctl(), new ClusterServiceOptions { Files = files, Conntrackd = "/bin/true" });
            var t0 = DateTimeOffset.UtcNow;
            services.Notify(VrrpState.Primary, "keepalived notify", t0.AddMilliseconds(300));
            services.Notify(VrrpState.Backup, "keepalived notify", t0);
            var record = VrrpStateRecord.Read(files.StateFile);
            Assert.Equal(VrrpState.Primary, record.State);
            Assert.Equal(t0.AddMilliseconds(300), record.LastTransition?.At);
            Assert.NotNull(record.SequenceDone);
            Assert.Null(record.SequenceError);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Keepalived_conf_matches_the_golden_file()
    {
        var text = KeepalivedConf.Render(ClusterSamples.Gw1, Files, Natgw, ViaAgent);
        Golden("keepalived-gw1.conf", text);
        // VRRPv3: centisecond adverts (RFC 5798); v2 would round 0.1 s up to whole seconds.
        Assert.Contains("    vrrp_version 3\n", text);
        Assert.Contains("    advert_int 0.1\n", text);
        // One sync group holds both sides: the inside and outside VIPs always move together (HA-NOTES).
        Assert.Contains("vrrp_sync_group VG_NATGW {\n    group {\n        VI_IN\n        VI_OUT\n    }\n", text);
        // The notify hook on the group calls natgw, reaching the agent that runs conntrackd.
        Assert.Contains("    notify_master \"/usr/bin/natgw ha notify primary --agent /run/natgw/agent.sock\"\n", text);
        Assert.Contains("    notify_backup \"/usr/bin/natgw ha notify backup --agent /run/natgw/agent.sock\"\n", text);
        Assert.Contains("    notify_fault \"/usr/bin/natgw ha notify fault --agent /run/natgw/agent.sock\"\n", text);
        // Each VIP on this node's interface of its side.
        Assert.Contains("        10.77.1.1/24 dev in1\n", text);
        Assert.Contains("        10.77.2.1/24 dev out1\n", text);
    }

    [Fact]
    public void A_node_that_stands_down_advertises_the_lowest_priority()
    {
        var standDown = ClusterSamples.Gw1 with { Local = ClusterSamples.Gw1.Local with { StandDown = true } };
        var text = KeepalivedConf.Render(standDown, Files, Natgw, ViaAgent);
        Assert.Contains("    priority 1\n", text);
        Assert.DoesNotContain("priority 150", text);
        Assert.Contains("    priority 150\n", KeepalivedConf.Render(ClusterSamples.Gw1, Files, Natgw, ViaAgent));
    }

    [Fact]
    public void IPv6_addresses_get_their_own_instances_in_the_same_group()
    {
        var config = ClusterSamples.Gw1 with
        {
            VirtualAddresses =
            [
                .. ClusterSamples.Gw1.VirtualAddresses,
                new VirtualAddress(VirtualAddressSide.Inside, new InterfaceAddress(IPAddress.Parse("fd77:1::1"), 64)),
            ],
        };
        var text = KeepalivedConf.Render(config, Files, Natgw);
        Assert.Contains("        VI_IN\n        VI_OUT\n        VI_IN6\n    }\n", text);
        Assert.Contains("vrrp_instance VI_IN6 {\n", text);
        Assert.Contains("        fd77:1::1/64 dev in1\n", text);
        Assert.DoesNotContain("VI_OUT6", text);
    }

    [Fact]
    public void Conntrackd_conf_matches_the_golden_file()
    {
        var text = ConntrackdConf.Render(ClusterSamples.Gw1, Files, disableExternalCache: false);
        Golden("conntrackd-gw1.conf", text);
        // FTFW (acknowledged, resent) over UDP on the sync link to the peer's address.
        Assert.Contains("\tMode FTFW {\n", text);
        Assert.Contains("\t\tIPv4_address 10.77.3.1\n\t\tIPv4_Destination_Address 10.77.3.2\n", text);
        Assert.Contains("\t\tInterface sync1\n", text);
        // The lock file and the control socket are this run directory's (two nodes on one host must not share them).
        Assert.Contains("\tLockFile /run/natgw/cluster/conntrackd.lock\n", text);
        Assert.Contains("\t\tPath /run/natgw/cluster/conntrackd.ctl\n", text);
        Assert.Contains("\t\tDisableExternalCache Off\n", text);
        Assert.Contains("\t\tDisableExternalCache On\n", ConntrackdConf.Render(ClusterSamples.Gw1, Files, disableExternalCache: true));
        // The VIPs are not ignored: a port forward's original destination is the outside VIP and must sync.
        Assert.DoesNotContain("10.77.2.1", text);
    }

    [Theory]
    [InlineData("gw1\" \n}\nvrrp_script x {")]
    [InlineData("gw 1")]
    [InlineData("gw1#")]
    [InlineData("")]
    public void Names_that_could_add_configuration_are_refused(string name)
    {
        var config = ClusterSamples.Gw1 with { Local = ClusterSamples.Gw1.Local with { Name = name } };
        Assert.Contains("local.name", ClusterConfigValidator.Validate(config).Keys);
        Assert.Throws<ArgumentException>(() => KeepalivedConf.Render(config, Files, Natgw));
        Assert.Throws<ArgumentException>(() => ConntrackdConf.Render(config, Files, false));
    }

    [Theory]
    [InlineData("in1 }")]
    [InlineData("in\"1")]
    [InlineData("in*")]
    [InlineData("0123456789abcdef")]
    public void Interface_names_are_checked_by_the_kernel_rules(string name)
    {
        var config = ClusterSamples.Gw1 with { Local = ClusterSamples.Gw1.Local with { SyncInterface = name } };
        Assert.Contains("local.syncInterface", ClusterConfigValidator.Validate(config).Keys);
    }

    [Fact]
    public void Values_outside_the_protocol_ranges_are_refused()
    {
        var g = ClusterSamples.Gw1;
        Assert.Contains("virtualRouterId", ClusterConfigValidator.Validate(g with { VirtualRouterId = 256 }).Keys);
        Assert.Contains("advertIntervalSeconds", ClusterConfigValidator.Validate(g with { AdvertInterval = TimeSpan.FromMilliseconds(105) }).Keys);
        Assert.Contains("advertIntervalSeconds", ClusterConfigValidator.Validate(g with { AdvertInterval = TimeSpan.FromSeconds(41) }).Keys);
        Assert.Contains("local.priority", ClusterConfigValidator.Validate(g with { Local = g.Local with { Priority = 255 } }).Keys);
        Assert.Contains("peer.syncAddress", ClusterConfigValidator.Validate(g with { Peer = g.Peer with { SyncAddress = IPAddress.Parse("10.77.3.1") } }).Keys);
        Assert.Contains("peer.syncAddress", ClusterConfigValidator.Validate(g with { Peer = g.Peer with { SyncAddress = IPAddress.Parse("fd77:3::2") } }).Keys);
        Assert.Contains("virtualAddresses", ClusterConfigValidator.Validate(g with { VirtualAddresses = [g.VirtualAddresses[0]] }).Keys);
        // From the agent's wire a prefix is any number: the writers must never see /40 on an IPv4 address.
        Assert.Contains("virtualAddresses[1].address", ClusterConfigValidator.Validate(g with
        {
            VirtualAddresses = [g.VirtualAddresses[0], g.VirtualAddresses[1] with { Address = g.VirtualAddresses[1].Address with { PrefixLength = 40 } }],
        }).Keys);
        Assert.Contains("local.syncAddress", ClusterConfigValidator.Validate(g with
        {
            Local = g.Local with { SyncAddress = new NatGateway.Core.Kernel.InterfaceAddress(IPAddress.Parse("fe80::1"), 64) },
        }).Keys);
        Assert.Empty(ClusterConfigValidator.Validate(g));
    }

    [Fact]
    public void Notify_command_words_and_run_directories_are_checked()
    {
        Assert.Throws<ArgumentException>(() => KeepalivedConf.Render(ClusterSamples.Gw1, Files, ["/usr/bin/natgw; reboot"]));
        Assert.Throws<ArgumentException>(() => KeepalivedConf.Render(ClusterSamples.Gw1, Files, ["/usr/bin/natgw"], ["--agent", "/run/a b"]));
        Assert.Throws<ArgumentException>(() => new ClusterRunFiles("/run/natgw/clu ster"));
        Assert.Throws<ArgumentException>(() => new ClusterRunFiles("relative/dir"));
    }

    private static void Golden(string name, string actual)
    {
        var path = Path.Combine(RepositoryPaths.Root, "tests", "NatGateway.Core.Tests", "Cluster", "Golden", name);
        var expected = File.Exists(path) ? File.ReadAllText(path) : "";
        if (expected != actual) File.WriteAllText(path + ".actual", actual);
        Assert.Equal(expected, actual);
    }
}
