using System.Diagnostics;
using System.Net.Sockets;
using NatGateway.Core.Tracing;
using NatGateway.Nat;
using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;
using NatGateway.Nftables;
using NatGateway.Nftables.Interop;

namespace NatGateway.Core.Kernel;

/// <summary>
/// <see cref="IPacketTracing"/> in this process's network namespace: subscribes to NFNLGRP_NFTRACE first (the kernel
/// only builds trace events while someone listens), arms <see cref="TraceArm"/>, collects events for the window, disarms
/// in <c>finally</c>, then reads the ruleset once (read only) to show each hop's rule as nft prints it. One trace at a time
/// per process: a second caller gets <see cref="TraceRefusal.Busy"/>.
/// </summary>
public sealed class LocalPacketTracing(NatCompileOptions? compileOptions = null) : IPacketTracing
{
    /// <summary>How long the stream must stay quiet after the last wanted packet before the capture ends early: the
    /// kernel emits a packet's events synchronously while it crosses the hooks (nft_trace_notify() → nfnetlink_send() queues
    /// into our socket from the hook itself), so every hop of a packet is already in the socket buffer within microseconds of
    /// its first; a busy receiver only reads them later, it cannot miss them. The margin covers a packet held between hooks
    /// (e.g. waiting for neighbour resolution before postrouting).</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private readonly NatCompileOptions _options = compileOptions ?? new NatCompileOptions();

    public IReadOnlyList<TracedPacket> Capture(PacketProbe probe, TimeSpan window, int maxPackets)
    {
        if (TraceLimits.ProbeProblem(probe) is { } problem) throw new ArgumentException(problem.Message, problem.Field);
        if (TraceLimits.WindowProblem(window) is { } w) throw new ArgumentException(w, "window");
        if (TraceLimits.PacketsProblem(maxPackets) is { } p) throw new ArgumentException(p, "maxPackets");
        if (!Gate.Wait(0)) throw new TraceUnavailableException("another live trace is running; one runs at a time", TraceRefusal.Busy);
        try
        {
            return Run(probe, window, maxPackets);
        }
        finally
        {
            Gate.Release();
        }
    }

    private IReadOnlyList<TracedPacket> Run(PacketProbe probe, TimeSpan window, int maxPackets)
    {
        NftTraceListener listener;
        try
        {
            listener = new NftTraceListener();
        }
        catch (NetlinkException e)
        {
            throw new TraceUnavailableException($"cannot subscribe to nftables trace events (NFNLGRP_NFTRACE): {e.Message}");
        }
        using (listener)
        using (var nft = OpenNft())
        {
            try
            {
                nft.Run(TraceArm.Arm(probe).ToJson(), NftOutputFlags.Json);
            }
            catch (NftablesException e)
            {
                throw new TraceUnavailableException($"cannot arm the trace rule (meta nftrace set 1) in table {TraceArm.Family} {TraceArm.Table}: {e.Message}");
            }
            var names = new Dictionary<uint, string?>();
            RuleHandleIndex? rules = null;
            var assembler = new TraceAssembler(TraceArm.Family, TraceArm.Table, maxPackets,
                index => names.TryGetValue(index, out var n) ? n : names[index] = InterfaceName(index),
                (family, table, handle) => (rules ??= ReadRules(nft)).Find(family, table, handle),
                IsOurTable);
            try
            {
                Collect(listener, assembler, window, maxPackets);
            }
            finally
            {
                Disarm(nft);
            }
            // Rule texts are looked up after the window: one listing, and the arm rule is gone from it.
            return assembler.Build();
        }
    }

    private static void Collect(NftTraceListener listener, TraceAssembler assembler, TimeSpan window, int maxPackets)
    {
        var clock = Stopwatch.StartNew();
        var lastEvent = TimeSpan.Zero;
        while (clock.Elapsed < window && !assembler.Truncated)
        {
            var slice = TimeSpan.FromMilliseconds(100);
            var remaining = window - clock.Elapsed;
            var events = listener.Receive(remaining < slice ? remaining : slice);
            foreach (var e in events)
                if (assembler.Add(e)) lastEvent = clock.Elapsed;
            if (assembler.Count >= maxPackets && clock.Elapsed - lastEvent >= Settle) break;
        }
    }

    /// <summary>Removes the arm table (also a leftover of a trace cut short by a crash: <c>natgw agent</c> calls this at start).
    /// Best effort: a failure leaves a rule that only sets nftrace on matching packets.</summary>
    public static void RemoveLeftover()
    {
        try
        {
            using var nft = new NftContext();
            Disarm(nft);
        }
        catch (Exception e) when (e is NftablesException or InvalidOperationException or DllNotFoundException)
        {
            // No libnftables or no permission: then nothing could have been armed by us either.
        }
    }

    private static void Disarm(NftContext nft)
    {
        try
        {
            nft.Run(TraceArm.Disarm().ToJson(), NftOutputFlags.Json);
        }
        catch (NftablesException)
        {
            // Someone removed it already (or the ruleset is read-only to us); the next arm replaces it atomically anyway.
        }
    }

    private static NftContext OpenNft()
    {
        try
        {
            return new NftContext();
        }
        catch (Exception e) when (e is DllNotFoundException or InvalidOperationException)
        {
            throw new TraceUnavailableException($"libnftables is not usable here: {e.Message}");
        }
    }

    private static RuleHandleIndex ReadRules(NftContext nft)
    {
        try
        {
            return RuleHandleIndex.Parse(nft.Run("list ruleset", NftOutputFlags.Handle));
        }
        catch (NftablesException)
        {
            return RuleHandleIndex.Parse(""); // hops keep table, chain and handle; only the text is missing
        }
    }

    private bool IsOurTable(string family, string table) =>
        (family == "ip" && table == _options.Ipv4Table) || (family == "ip6" && table == _options.Ipv6Table)
        || (family == TraceArm.Family && table == TraceArm.Table)
        || (family == NatRulesetCompiler.TimeoutTableFamily && table == _options.TimeoutTable);

    private static string? InterfaceName(uint index)
    {
        try
        {
            using var route = new NatGateway.Netlink.Route.RouteClient();
            return route.DumpLinks().FirstOrDefault(l => l.Index == (int)index)?.Name;
        }
        catch (Exception e) when (e is NetlinkException or SocketException)
        {
            return null;
        }
    }
}

/// <summary>Bounds of a live trace, checked the same way in the agent (field errors) and in-process.</summary>
public static class TraceLimits
{
    public static readonly TimeSpan MaxWindow = TimeSpan.FromSeconds(60);
    public const int MaxPackets = 100;

    public static string? WindowProblem(TimeSpan window) =>
        window <= TimeSpan.Zero || window > MaxWindow ? $"a trace window lasts up to {MaxWindow.TotalSeconds:0} seconds" : null;

    public static string? PacketsProblem(int maxPackets) =>
        maxPackets is < 1 or > MaxPackets ? $"between 1 and {MaxPackets} packets" : null;

    /// <summary>The probe's first problem as (field, message), or null.</summary>
    public static (string Field, string Message)? ProbeProblem(PacketProbe probe)
    {
        if (!Enum.IsDefined(probe.Family)) return ("family", "not an address family");
        if (!Enum.IsDefined(probe.Protocol)) return ("protocol", "tcp or udp");
        var family = probe.Family == NatFamily.Ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        if (probe.Source.AddressFamily != family) return ("source", $"not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
        if (probe.Destination.AddressFamily != family) return ("destination", $"not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
        if (probe.SourcePort is < 0 or > 65535) return ("sourcePort", "0 (any) to 65535");
        if (probe.DestinationPort is < 1 or > 65535) return ("destinationPort", "1 to 65535");
        if (probe.InInterface is null || probe.InInterface.Contains('*') || NatGateway.Nat.InterfaceName.Problem(probe.InInterface) is not null)
            return ("inInterface", "not an interface name");
        return null;
    }
}
