using System.Diagnostics;
using System.Globalization;
using System.Net;
using NatGateway.TestSupport;
using NatGateway.TestSupport.Ha;

namespace NatGateway.Benchmarks.Ha;

/// <summary>
/// Issue 15's failover figures: an <see cref="HaLab"/> (keepalived VRRPv3 + conntrackd FTFW, SNAT to the outside VIP)
/// under an <see cref="EchoFleet"/> of N flows echoing every 100 ms, through each trigger in turn: a clean keepalived
/// stop (SIGTERM), a SIGKILL, the failback by preemption after each, all of the primary's links down, and the control
/// (links down with conntrackd stopped on the backup). One table row per trigger: the VIP move (trigger → the new
/// primary's notify hook), per-flow largest gap over the window (p50/p99/max), survivors.
/// </summary>
public sealed class HaBenchmark : IBenchmark
{
    public string Description => "HA pair failover: VIP move time, p50/p99/max gap and survivors per trigger";

    public int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var flows = 1000;
        var advertMs = 100;
        var controlFlows = 50;
        var disableExternalCache = true;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            var number = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : (int?)null;
            switch (args[i])
            {
                case "--flows" when number is { } f: flows = f; i++; break;
                case "--control-flows" when number is { } c: controlFlows = c; i++; break;
                // keepalived takes centiseconds in VRRPv3 (RFC 5798 §5.2.7).
                case "--advert-ms" when number is { } a && a % 10 == 0: advertMs = a; i++; break;
                case "--disable-external-cache" when value is "on" or "off": disableExternalCache = value == "on"; i++; break;
                default:
                    output.WriteLine($"ha: unknown or incomplete option '{args[i]}'");
                    output.WriteLine("usage: ha [--flows 1000] [--control-flows 50] [--advert-ms 100] [--disable-external-cache on|off]");
                    return 2;
            }
        }
        if (Root.SkipReason is { } reason)
        {
            output.WriteLine($"ha: {reason}");
            return 1;
        }
        return RunAsync(flows, controlFlows, TimeSpan.FromMilliseconds(advertMs), disableExternalCache, output).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int flows, int controlFlows, TimeSpan advert, bool disableExternalCache, TextWriter output)
    {
        // A flow broken for good (DisableExternalCache Off can leave some) is counted after this, not waited for.
        var deadline = TimeSpan.FromSeconds(30);
        var total = Stopwatch.StartNew();
        output.WriteLine($"kernel {Environment.OSVersion.Version}, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start");
        using var lab = HaLab.Create(advert, disableExternalCache);
        var rows = new List<HaFailoverResult>();

        await using (var server = new EchoServer(lab.Server, new IPEndPoint(IPAddress.Parse(HaLab.ServerAddress), 7101)))
        await using (var fleet = await EchoFleet.OpenAsync(lab.Client, server.EndPoint, flows))
        {
            var port = server.EndPoint.Port;
            void Synced(HaNode node) => lab.WaitForPeerCopy(node, port, flows, deadline);
            async Task Failback(string why)
            {
                Synced(HaNode.Gw1);
                rows.Add(await HaFailover.RunAsync(lab, fleet, $"failback by preemption ({why})", HaNode.Gw1, () =>
                {
                    var at = DateTimeOffset.UtcNow;
                    lab.StartKeepalived(HaNode.Gw1);
                    return at;
                }, deadline, tolerateEnded: true));
            }

            Synced(HaNode.Gw2);
            rows.Add(await HaFailover.RunAsync(lab, fleet, "SIGTERM keepalived on gw1", HaNode.Gw2, () => lab.StopKeepalived(HaNode.Gw1), deadline, tolerateEnded: true));
            await Failback("after SIGTERM");
            Synced(HaNode.Gw2);
            rows.Add(await HaFailover.RunAsync(lab, fleet, "SIGKILL keepalived on gw1", HaNode.Gw2, () => lab.KillKeepalived(HaNode.Gw1), deadline, tolerateEnded: true));
            await Failback("after SIGKILL");
            Synced(HaNode.Gw2);
            rows.Add(await HaFailover.RunAsync(lab, fleet, "all gw1 links down", HaNode.Gw2, () => lab.LinksDown(HaNode.Gw1), deadline, tolerateEnded: true));
        }

        var failovers = rows.ToList();
        lab.Reset();
        // Stopped before the flows exist: with the external cache disabled a running conntrackd would already have put them
        // into gw2's kernel table.
        lab.StopConntrackd(HaNode.Gw2);
        await using (var server = new EchoServer(lab.Server, new IPEndPoint(IPAddress.Parse(HaLab.ServerAddress), 7102)))
        await using (var fleet = await EchoFleet.OpenAsync(lab.Client, server.EndPoint, controlFlows))
        {
            var control = await HaFailover.RunAsync(lab, fleet, "all gw1 links down, conntrackd stopped on gw2 (control)", HaNode.Gw2,
                () => lab.LinksDown(HaNode.Gw1), deadline, settle: false);
            var dead = await fleet.WaitAllDeadAsync(TimeSpan.FromSeconds(5), deadline);
            var figures = fleet.Figures(control.StartTimestamp, Stopwatch.GetTimestamp());
            output.WriteLine($"control: {(dead ? "every flow silent ≥ 5 s" : "SOME FLOW STILL ECHOES")}, {figures.Survivors} of {figures.Connections} echoing, {figures.Reset} reset");
            rows.Add(control with { Figures = figures, Settled = true });
        }

        output.WriteLine();
        output.WriteLine($"{flows} flows echoing every 100 ms (control {controlFlows}), VRRPv3 advert {advert.TotalSeconds:0.00} s, conntrackd DisableExternalCache {(disableExternalCache ? "On" : "Off")}; gap = per flow the largest interval between two echoes across the failover");
        output.WriteLine(HaFailoverResult.TableHeader);
        foreach (var row in rows) output.WriteLine(row.Row());
        // Issue 15's goal (a performance target, so judged here; HaFailoverKernelTests asserts survival): every flow survives
        // each failover and the largest gap is at most 1 s with 0.1 s adverts.
        var worst = failovers.MaxBy(r => r.Figures.MaxGap)!;
        var survived = failovers.All(r => r.Figures.Survivors == r.Figures.Connections && r.Figures.Reset == 0);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"goal (issue 15): every flow survives and the largest gap ≤ 1 s at 0.1 s adverts: {(survived && worst.Figures.MaxGap <= TimeSpan.FromSeconds(1) ? "PASS" : "FAIL")} " +
            $"(largest {worst.Figures.MaxGap.TotalSeconds:0.00} s, {worst.Trigger}; {(survived ? "all survived" : "not all survived")})"));
        output.WriteLine($"total {total.Elapsed.TotalSeconds:0} s, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at end");
        return 0;
    }
}
