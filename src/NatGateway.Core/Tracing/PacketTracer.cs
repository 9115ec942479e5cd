using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Core.Tracing;

/// <summary>
/// <see cref="IPacketTracer"/> over the rules in force (the revision the kernel has, not the draft) and the host as the
/// kernel boundary reports it (interfaces, main-table routes, forwarding sysctls). The live half runs
/// <see cref="IPacketTracing.Capture"/> (in <c>natgw agent</c> in agent mode) one at a time and names the NAT rule behind
/// each hop of our tables, including the map chains of plain forwards whose nft rules carry no comment.
/// </summary>
public sealed partial class PacketTracer(IGatewayKernel kernel, Func<CancellationToken, Task<IReadOnlyList<NatRule>>> rulesInForce,
    NatCompileOptions? compileOptions = null) : IPacketTracer
{
    /// <summary>Over the revision store's rules in force (the app's registration).</summary>
    public PacketTracer(IGatewayKernel kernel, RevisionStore revisions, NatCompileOptions? compileOptions = null)
        : this(kernel, revisions.RulesInForceAsync, compileOptions) { }

    /// <summary>The live window's bounds, in seconds.</summary>
    public const int MinLiveSeconds = 1, MaxLiveSeconds = 60;

    /// <summary>Packets collected per trace at most (hops of a flood would otherwise be unbounded).</summary>
    public const int MaxPackets = 20;

    private readonly SemaphoreSlim _live = new(1, 1);

    public async Task<StaticTrace> ExplainAsync(PacketProbe probe, CancellationToken cancellationToken = default)
    {
        var rules = await rulesInForce(cancellationToken);
        return StaticPacketTracer.Explain(rules, probe, Host());
    }

    /// <summary>The host facts the static answer uses, read fresh: the interfaces' addresses and forwarding in one read
    /// (<see cref="IGatewayKernel.ReadHostFacts"/>, as rule validation reads them), then the routes (a round trip each to
    /// the agent in agent mode).</summary>
    public TraceHost Host()
    {
        var facts = kernel.ReadHostFacts();
        return new TraceHost(facts.Interfaces, kernel.ListRoutes(), facts.Ipv4ForwardingEnabled, facts.Ipv6ForwardingEnabled);
    }

    public Task<LiveTrace> TraceAsync(PacketProbe probe, TimeSpan window, CancellationToken cancellationToken = default) =>
        TraceAsync(probe, window, MaxPackets, cancellationToken);

    /// <summary>
    /// The live trace, ending at <paramref name="maxPackets"/> packets (then <see cref="LiveTrace.Truncated"/>: the capture
    /// stopped at the limit, so later packets of the window were not collected) or at the end of the window.
    /// </summary>
    public async Task<LiveTrace> TraceAsync(PacketProbe probe, TimeSpan window, int maxPackets, CancellationToken cancellationToken = default)
    {
        if (maxPackets < 1 || maxPackets > MaxPackets)
            throw new ArgumentOutOfRangeException(nameof(maxPackets), $"a trace collects 1 to {MaxPackets} packets");
        if (window < TimeSpan.FromSeconds(MinLiveSeconds) || window > TimeSpan.FromSeconds(MaxLiveSeconds))
            throw new ArgumentOutOfRangeException(nameof(window), $"the live window is {MinLiveSeconds} to {MaxLiveSeconds} seconds");
        if (!await _live.WaitAsync(0, cancellationToken))
            // One at a time: every trace arms the same chain of our trace table (the agent refuses a second one the same way).
            throw new TraceUnavailableException("a live trace is already running; only one runs at a time", TraceRefusal.Busy);
        try
        {
            var rules = await rulesInForce(cancellationToken);
            // Capture blocks for the whole window (netlink reads): off the request thread.
            // The capture ends as soon as the limit is reached (LocalPacketTracing settles briefly after the last packet's
            // hops), so a flood or a one-packet question does not hold the trace slot for the whole window.
            var packets = await Task.Run(() => kernel.Tracing.Capture(probe, window, maxPackets), cancellationToken);
            var truncated = packets.Count >= maxPackets;
            var annotated = Annotate(packets, rules, probe, compileOptions ?? new NatCompileOptions());
            return new LiveTrace(probe, window, annotated, truncated);
        }
        finally
        {
            _live.Release();
        }
    }

    /// <summary>
    /// Fills <see cref="TraceHop.RuleId"/> for hops of our tables that the kernel side could not name: from the rule's
    /// comment ("&lt;id&gt; &lt;name&gt;", <see cref="RuleComment"/>) when the text is there, and for the chains of a plain
    /// forwards' map segment (<c>fwdN</c>, <c>fwdN_keep</c> and the prerouting rule jumping to them, whose nft rules carry no
    /// comment) from the segment member of the probe's port and protocol: the map lookup picks exactly that one.
    /// </summary>
    public static IReadOnlyList<TracedPacket> Annotate(IReadOnlyList<TracedPacket> packets, IReadOnlyList<NatRule> rules, PacketProbe probe,
        NatCompileOptions options)
    {
        Dictionary<string, Guid>? segments = null;
        Guid? Segment(string? chain)
        {
            if (chain is null || SegmentChain().Match(chain) is not { Success: true } m) return null;
            segments ??= SegmentRules(rules, probe, options);
            return segments.TryGetValue(m.Groups[1].Value, out var id) ? id : null;
        }

        return packets.Select(packet => packet with
        {
            Hops = packet.Hops.Select(hop => !hop.OurTable || hop.RuleId is not null ? hop : hop with
            {
                RuleId = CommentId(hop.RuleText) ?? Segment(hop.Chain) ?? Segment(hop.JumpTarget),
            }).ToList(),
        }).ToList();
    }

    private static Guid? CommentId(string? ruleText) =>
        ruleText is not null && CommentPattern().Match(ruleText) is { Success: true } m && Guid.TryParse(m.Groups[1].Value, out var id) ? id : null;

    /// <summary>
    /// Segment name (<c>fwdN</c>, numbered per family table as the compiler does) → the forward the probe's port selects in
    /// it: map keys are unique, the member that holds the port is the one the lookup returns.
    /// </summary>
    private static Dictionary<string, Guid> SegmentRules(IReadOnlyList<NatRule> rules, PacketProbe probe, NatCompileOptions options)
    {
        var result = new Dictionary<string, Guid>(StringComparer.Ordinal);
        CompiledRuleset compiled;
        try
        {
            compiled = NatRulesetCompiler.Compile(rules, options);
        }
        catch (Exception e) when (e is NotSupportedException or NatCompileException)
        {
            return result; // a kind not compiled yet: nothing to name beyond the comments
        }
        var protocol = probe.Protocol == ProbeProtocol.Udp ? NatProtocol.Udp : NatProtocol.Tcp;
        var number = 0;
        foreach (var segment in compiled.Plan.Units.OfType<DnatMapSegment>().Where(s => s.Key.Family == probe.Family))
        {
            number++;
            if (segment.Key.Protocol != protocol) continue;
            if (segment.Members.FirstOrDefault(m => m.Port == probe.DestinationPort) is { } member)
                result[$"fwd{number}"] = member.Rule.Id;
        }
        return result;
    }

    [GeneratedRegex("""comment "([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})""")]
    private static partial Regex CommentPattern();

    [GeneratedRegex("^(fwd[0-9]+)(?:_keep)?$")]
    private static partial Regex SegmentChain();
}

/// <summary>Registers <see cref="PacketTracer"/> as <see cref="IPacketTracer"/>. Needs the kernel and the revision store.</summary>
public static class TracingRegistration
{
    public static IServiceCollection AddTracing(this IServiceCollection services)
    {
        services.AddSingleton(sp => new PacketTracer(sp.GetRequiredService<IGatewayKernel>(), sp.GetRequiredService<RevisionStore>(),
            sp.GetService<NatCompileOptions>()));
        services.AddSingleton<IPacketTracer>(sp => sp.GetRequiredService<PacketTracer>());
        return services;
    }
}
