using System.Diagnostics;
using NatGateway.Core.Cluster;

namespace NatGateway.TestSupport.Ha;

/// <summary>What one failover did to an <see cref="EchoFleet"/>: when it was triggered, when the new primary's notify
/// hook recorded the transition (the VIP move: keepalived adds the VIPs as it runs the hook; the time is taken in
/// <c>natgw ha notify</c>, so it includes that process's start), and the window's gaps.</summary>
public sealed record HaFailoverResult(string Trigger, DateTimeOffset TriggeredAt, long StartTimestamp, VrrpTransition Transition,
    EchoWindowFigures Figures, bool Settled)
{
    public TimeSpan VipMove => Transition.At - TriggeredAt;

    public static string TableHeader => "| trigger | VIP moved | p50 gap | p99 gap | max gap | survivors |\n|---|---|---|---|---|---|";

    public string Row() =>
        $"| {Trigger} | {VipMove.TotalSeconds:0.00} s | {Figures.P50Gap.TotalSeconds:0.00} s | {Figures.P99Gap.TotalSeconds:0.00} s | " +
        $"{Figures.MaxGap.TotalSeconds:0.00} s | {(Settled ? $"{Figures.Survivors} of {Figures.Connections}" : "—")} |";
}

/// <summary>Drives one failover of an <see cref="HaLab"/> under an <see cref="EchoFleet"/> (shared by the kernel tests
/// and the <c>ha</c> benchmark).</summary>
public static class HaFailover
{
    /// <summary>Pulls the trigger, waits for <paramref name="newPrimary"/>'s notify hook to report primary and finish its
    /// conntrackd sequence, then (when <paramref name="settle"/>) for every flow to echo after that, and returns the
    /// figures of the window from the trigger to that moment. Without settling (a control whose flows die) the gaps are
    /// not meaningful and only the VIP move is. <paramref name="tolerateEnded"/>: flows that were reset count as not
    /// surviving instead of failing the wait (a measurement).</summary>
    public static async Task<HaFailoverResult> RunAsync(HaLab lab, EchoFleet fleet, string trigger, HaNode newPrimary,
        Func<DateTimeOffset> pull, TimeSpan deadline, bool settle = true, bool tolerateEnded = false)
    {
        var start = Stopwatch.GetTimestamp();
        var at = pull();
        var transition = lab.WaitForTransition(newPrimary, VrrpState.Primary, at, deadline);
        lab.WaitForNotifyDone(newPrimary, transition, deadline);
        if (!settle) return new HaFailoverResult(trigger, at, start, transition, fleet.Figures(start, start), false);
        var settledFrom = Stopwatch.GetTimestamp();
        await fleet.WaitAllEchoedAfterAsync(settledFrom, deadline, tolerateEnded);
        return new HaFailoverResult(trigger, at, start, transition, fleet.Figures(start, settledFrom), true);
    }
}
