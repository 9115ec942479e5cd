using System.Diagnostics;
using System.Net;
using NatGateway.Core.Cluster;
using NatGateway.TestSupport;
using NatGateway.TestSupport.Ha;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Kernel.Tests;

/// <summary>One HA lab (HA-NOTES topology) shared by the failover tests; each test starts from <see cref="HaLab.Reset"/>.</summary>
public sealed class HaLabFixture : IDisposable
{
    private readonly Lazy<HaLab> _lab = new(() => HaLab.Create());
    public HaLab Lab => _lab.Value;
    public void Dispose() { if (_lab.IsValueCreated) _lab.Value.Dispose(); }
}

/// <summary>
/// Issue 15's acceptance in namespaces: established TCP flows through a keepalived (VRRPv3, 0.1 s adverts) + conntrackd
/// (FTFW) pair survive the primary's keepalived being SIGKILLed, the failback by preemption and the primary losing all
/// its links, none reset and none silent for long; the same links-down failover with conntrackd stopped on the backup
/// kills them (the sync is what saves them). The daemons are the product's (<see cref="HaLab"/>: each gateway's
/// LocalClusterServices with the real <c>natgw ha notify</c>). The "largest gap ≤ 1 s" is a timing target: the
/// <c>ha</c> benchmark judges it (a run with the CPU loaded measured 1.17 s here); the deadlines are generous.
/// </summary>
[LongRunning(30)]
public sealed class HaFailoverKernelTests(HaLabFixture fixture, ITestOutputHelper output) : IClassFixture<HaLabFixture>
{
    // Survival, not speed: every flow echoes again and none was reset, and none was silent for long. The gaps themselves
    // (p50 ~0.9–1.0 s here: TCP's retransmission after the VIP moves) are the `ha` benchmark's figures; a loaded run saw
    // 1.17 s. Well under the 5 s the control below counts as dead.
    private static readonly TimeSpan LargestGapAllowed = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [HaKernelFact]
    public async Task A_thousand_flows_survive_a_killed_keepalived_the_failback_and_the_primary_losing_its_links()
    {
        var lab = fixture.Lab;
        lab.Reset();
        const int Flows = 1000, Port = 7001;
        await using var server = new EchoServer(lab.Server, new IPEndPoint(IPAddress.Parse(HaLab.ServerAddress), Port));
        await using var fleet = await EchoFleet.OpenAsync(lab.Client, server.EndPoint, Flows);
        // The backup holds every flow before the primary goes: conntrackd's FTFW replication has caught up.
        lab.WaitForPeerCopy(HaNode.Gw2, Port, Flows, Deadline);

        var rows = new List<string>();

        // 1. SIGKILL of the primary's keepalived: no priority-0 advert; gw2 takes over after the master-down interval.
        var kill = await FailoverAsync(lab, fleet, "SIGKILL keepalived on gw1", HaNode.Gw2, () => lab.KillKeepalived(HaNode.Gw1), rows);
        Assert.True(lab.HoldsVip(HaNode.Gw2), "gw2 holds the inside VIP");
        Assert.True(lab.KernelEntries(HaNode.Gw2, Port) >= Flows, "gw2's kernel table holds the synced flows");
        AssertSurvived(kill, Flows, "after the SIGKILL");

        // 2. Failback: keepalived back on gw1 (priority 150 > 100) preempts.
        lab.WaitForPeerCopy(HaNode.Gw1, Port, Flows, Deadline);
        var failback = await FailoverAsync(lab, fleet, "failback by preemption", HaNode.Gw1, () =>
        {
            var at = DateTimeOffset.UtcNow;
            lab.StartKeepalived(HaNode.Gw1);
            return at;
        }, rows);
        lab.WaitForTransition(HaNode.Gw2, VrrpState.Backup, failback.TriggeredAt, Deadline);
        HaLab.WaitUntil(() => lab.HoldsVip(HaNode.Gw1) && !lab.HoldsVip(HaNode.Gw2), Deadline, "the VIPs back on gw1 only");
        AssertSurvived(failback, Flows, "after the failback");

        // 3. All of gw1's links down (inside, outside, sync).
        lab.WaitForPeerCopy(HaNode.Gw2, Port, Flows, Deadline);
        var down = await FailoverAsync(lab, fleet, "all gw1 links down", HaNode.Gw2, () => lab.LinksDown(HaNode.Gw1), rows);
        Assert.True(lab.HoldsVip(HaNode.Gw2), "gw2 holds the inside VIP");
        AssertSurvived(down, Flows, "after gw1's links went down");

        output.WriteLine($"{Flows} flows, advert {lab.Advert.TotalSeconds:0.00} s");
        output.WriteLine(HaFailoverResult.TableHeader);
        foreach (var row in rows) output.WriteLine(row);
    }

    [HaKernelFact]
    public async Task Without_conntrackd_on_the_backup_the_flows_die_when_the_primary_loses_its_links()
    {
        var lab = fixture.Lab;
        lab.Reset();
        // 50 flows prove the same as 1,000: none of them can live without its synced entry.
        const int Flows = 50, Port = 7002;
        // Stopped before the flows exist: with the external cache disabled a running conntrackd would already have put
        // them into gw2's kernel table, and stopping it then would not take them out.
        lab.StopConntrackd(HaNode.Gw2);
        try
        {
            await using var server = new EchoServer(lab.Server, new IPEndPoint(IPAddress.Parse(HaLab.ServerAddress), Port));
            await using var fleet = await EchoFleet.OpenAsync(lab.Client, server.EndPoint, Flows);
            var rows = new List<string>();
            var down = await FailoverAsync(lab, fleet, "all gw1 links down, no conntrackd on gw2", HaNode.Gw2, () => lab.LinksDown(HaNode.Gw1), rows,
                settle: false);
            // tcp_loose=0: gw2 does not pick the flows up mid-stream, and nothing committed them.
            Assert.Equal(0, lab.KernelEntries(HaNode.Gw2, Port));
            // Dead: every flow silent for 5 s, longer than the largest gap a synced failover is allowed (and ~50 echoes
            // missed), measured from the moment gw2 took the VIPs.
            Assert.True(await fleet.WaitAllDeadAsync(TimeSpan.FromSeconds(5), Deadline), "some flow still echoes through gw2 without conntrackd");
            var figures = fleet.Figures(down.StartTimestamp, Stopwatch.GetTimestamp());
            Assert.Equal(0, figures.Survivors);
            output.WriteLine($"{Flows} flows (dead: silent ≥ 5 s; reset {figures.Reset})");
            output.WriteLine(HaFailoverResult.TableHeader);
            output.WriteLine((down with { Figures = figures, Settled = true }).Row());
        }
        finally
        {
            lab.StartConntrackd(HaNode.Gw2);
        }
    }

    private static async Task<HaFailoverResult> FailoverAsync(HaLab lab, EchoFleet fleet, string trigger, HaNode newPrimary,
        Func<DateTimeOffset> pull, List<string> rows, bool settle = true)
    {
        var result = await HaFailover.RunAsync(lab, fleet, trigger, newPrimary, pull, Deadline, settle);
        rows.Add(result.Row());
        return result;
    }

    private static void AssertSurvived(HaFailoverResult phase, int flows, string when)
    {
        Assert.True(phase.Figures.Survivors == flows && phase.Figures.Reset == 0,
            $"{when}: {phase.Figures.Survivors} of {flows} flows echo, {phase.Figures.Reset} reset");
        Assert.True(phase.Figures.MaxGap <= LargestGapAllowed,
            $"{when}: largest gap {phase.Figures.MaxGap.TotalSeconds:0.000} s (flow {phase.Figures.WorstConnection}) > {LargestGapAllowed.TotalSeconds} s; " +
            $"p50 {phase.Figures.P50Gap.TotalSeconds:0.000} s, p99 {phase.Figures.P99Gap.TotalSeconds:0.000} s");
    }
}
