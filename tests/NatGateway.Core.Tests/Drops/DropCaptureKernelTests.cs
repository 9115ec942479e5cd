using System.Net;
using System.Net.Sockets;
using NatGateway.Core.Kernel.Diagnostics;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Core.Tests.Drops;

/// <summary>
/// The issue's acceptance for the drop capture, on the real kernel: while a capture runs (TracefsDropCapture.Run, the
/// code path of LocalHostDiagnostics and the agent), a lab client sends UDP with a spoofed source to a gateway with
/// rp_filter=1 on its LAN interface (IP_RPFILTER, ip_rcv_finish_core) and UDP to a port an nft rule of the lab's own
/// table drops (NETFILTER_DROP). The tracepoint is global, so other namespaces' drops are counted too: counts are at
/// least what was sent, never equal. Afterwards the tracefs instance is gone, and tracefs is unmounted again if it was
/// not mounted before.
/// </summary>
public sealed class DropCaptureKernelTests
{
    private const string SpoofedSource = "198.51.100.7"; // TEST-NET-2: the gateway has no route to it at all
    private const int DroppedPort = 40009, SpoofedPort = 40010, Packets = 20;

    [KernelFact]
    public async Task A_capture_sees_rp_filter_and_netfilter_drops_of_a_lab_and_leaves_nothing_behind()
    {
        using var lab = NamespaceLab.Create();
        // rp_filter is max(all, interface) (IN_DEV_RPFILTER): both, inside the gateway namespace only.
        lab.Sysctl(lab.Gateway, "net.ipv4.conf.all.rp_filter", "1");
        lab.Sysctl(lab.Gateway, $"net.ipv4.conf.{NamespaceLab.GatewayLanInterface}.rp_filter", "1");
        lab.Exec(lab.Gateway, "nft", "add", "table", "inet", "ngwdrops").EnsureSuccess("nft table");
        lab.Exec(lab.Gateway, "nft", "add", "chain", "inet", "ngwdrops", "input", "{ type filter hook input priority 0; }").EnsureSuccess("nft chain");
        lab.Exec(lab.Gateway, "nft", "add", "rule", "inet", "ngwdrops", "input", "udp", "dport", $"{DroppedPort}", "drop").EnsureSuccess("nft rule");
        lab.Exec(lab.Client, "ip", "addr", "add", $"{SpoofedSource}/32", "dev", "eth0").EnsureSuccess("spoofed address");
        var tracefsBefore = TracefsMount.FindMounted(File.ReadAllText("/proc/self/mountinfo"));
        // Held by the test too, so tracefs stays mounted after the capture and the instance's absence can be seen.
        var held = TracefsMount.Acquire();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var capture = Task.Run(() => TracefsDropCapture.Run(TimeSpan.FromSeconds(5), TracefsDropCapture.MaxEvents, timeout.Token));
        var enable = await WaitForOurInstanceEnabledAsync(capture, timeout.Token);

        lab.RunIn(lab.Client, () =>
        {
            var gateway = new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 0);
            using var plain = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            using var spoofed = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            spoofed.Bind(new IPEndPoint(IPAddress.Parse(SpoofedSource), 0));
            for (var i = 0; i < Packets; i++)
            {
                plain.SendTo("drop"u8, new IPEndPoint(gateway.Address, DroppedPort));
                spoofed.SendTo("spoof"u8, new IPEndPoint(gateway.Address, SpoofedPort));
            }
            return 0;
        });
        Assert.False(capture.IsCompleted, "the capture ended before the packets were sent: the box is too slow for a 5 s window");

        var result = await capture;
        Assert.True(result.ByReason.Single(c => c.Name == "IP_RPFILTER").Count >= Packets, Describe(result));
        Assert.True(result.ByReason.Single(c => c.Name == "NETFILTER_DROP").Count >= Packets, Describe(result));
        Assert.True(result.Events >= 2 * Packets);
        Assert.Equal(result.Events, result.ByReason.Sum(c => c.Count));
        Assert.Equal(result.Events, result.ByLocation.Sum(c => c.Count));
        Assert.DoesNotContain(result.ByLocation, c => c.Name.Contains("+0x", StringComparison.Ordinal));

        var instance = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(enable))))!;
        Assert.True(Directory.Exists(Path.GetDirectoryName(instance)), "tracefs is mounted while the test holds it");
        Assert.False(Directory.Exists(instance), "the capture's tracefs instance is still there");
        held.Dispose();
        // tracefs is one mount for the whole host, and other test processes (natgw agents capturing drops in Kernel.Tests
        // and Browser.Tests) run beside this one: it is back as it was unless another process mounted it meanwhile (then it
        // is not ours to unmount) or is using the one we mounted (an instance of its own in it: the mount stays for it).
        var tracefsAfter = TracefsMount.FindMounted(File.ReadAllText("/proc/self/mountinfo"));
        if (tracefsAfter != tracefsBefore)
            Assert.True(!TracefsMount.MountedByThisProcess
                        || Directory.EnumerateFileSystemEntries(Path.Combine(tracefsAfter ?? TracefsMount.DefaultPath, "instances")).Any(),
                $"tracefs was {tracefsBefore ?? "not mounted"} and is {tracefsAfter ?? "not mounted"}: this process left its own mount with nobody using it");
    }

    [KernelFact]
    public async Task A_cancelled_capture_removes_its_instance()
    {
        using var held = TracefsMount.Acquire();
        using var cancel = new CancellationTokenSource();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var capture = Task.Run(() => TracefsDropCapture.Run(TimeSpan.FromSeconds(60), TracefsDropCapture.MaxEvents, cancel.Token));
        var enable = await WaitForOurInstanceEnabledAsync(capture, timeout.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => capture);
        Assert.False(File.Exists(enable), "the cancelled capture's tracefs instance is still there");
    }

    /// <summary>Waits (polling the files, no fixed sleep decides anything) until this process's capture instance has
    /// kfree_skb enabled; returns that enable file's path.</summary>
    private static async Task<string> WaitForOurInstanceEnabledAsync(Task capture, CancellationToken ct)
    {
        var prefix = $"{TracefsDropCapture.InstancePrefix}{Environment.ProcessId}-";
        while (true)
        {
            if (capture.IsCompleted) await capture; // a failure (NotSupported...) surfaces here
            Assert.False(capture.IsCompleted, "the capture ended before it was seen running");
            var root = TracefsMount.FindMounted(File.ReadAllText("/proc/self/mountinfo"));
            if (root is not null && Directory.Exists(Path.Combine(root, "instances")))
                foreach (var instance in Directory.EnumerateDirectories(Path.Combine(root, "instances"), prefix + "*"))
                {
                    var enable = Path.Combine(instance, "events", "skb", "kfree_skb", "enable");
                    try
                    {
                        if (File.ReadAllText(enable).Trim() == "1") return enable;
                    }
                    catch (IOException) { } // between mkdir and rmdir
                }
            await Task.Delay(20, ct);
        }
    }

    private static string Describe(NatGateway.Core.Kernel.DropCapture c) =>
        $"{c.Events} events: " + string.Join(", ", c.ByReason.Select(r => $"{r.Name}={r.Count}"));
}
