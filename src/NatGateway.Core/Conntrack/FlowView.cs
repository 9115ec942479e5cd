using NatGateway.Conntrack;

namespace NatGateway.Core.Conntrack;

/// <summary>One direction of a flow as the API, <c>natgw conntrack list --output json</c> and the page show it.</summary>
/// <param name="Src">Source address.</param>
/// <param name="Dst">Destination address.</param>
/// <param name="Sport">Source port (protocols with ports; GRE keys).</param>
/// <param name="Dport">Destination port.</param>
/// <param name="IcmpType">ICMP/ICMPv6 type.</param>
/// <param name="IcmpCode">ICMP/ICMPv6 code.</param>
/// <param name="IcmpId">ICMP/ICMPv6 id.</param>
public sealed record FlowTupleView(string Src, string Dst, int? Sport, int? Dport, int? IcmpType, int? IcmpCode, int? IcmpId)
{
    public static FlowTupleView From(in FlowTuple t)
    {
        var ports = t.Protocol.HasPorts();
        var icmp = t.Protocol.IsIcmp();
        return new FlowTupleView(t.Source.ToString(), t.Destination.ToString(),
            ports ? t.SourcePort : null, ports ? t.DestinationPort : null,
            icmp ? t.IcmpType : null, icmp ? t.IcmpCode : null, icmp ? t.IcmpId : null);
    }

    /// <summary>"10.0.0.1:1234" or "10.0.0.1" (IPv6 with ports in brackets).</summary>
    public static string Endpoint(NetAddress address, ushort? port, bool hasPorts) =>
        !hasPorts || port is null ? address.ToString() : address.IsIPv6 ? $"[{address}]:{port}" : $"{address}:{port}";
}

/// <summary>
/// A NAT translation read from a flow's two tuples: SNAT rewrote the source (original source → reply destination),
/// DNAT the destination (original destination → reply source).
/// </summary>
/// <param name="Kind">"snat" or "dnat".</param>
/// <param name="Before">Address[:port] as the first packet carried it.</param>
/// <param name="After">Address[:port] after translation.</param>
public sealed record NatTranslation(string Kind, string Before, string After)
{
    public static IReadOnlyList<NatTranslation> Of(in Flow flow)
    {
        var result = new List<NatTranslation>(2);
        var o = flow.Original;
        var r = flow.Reply;
        var ports = flow.Protocol.HasPorts();
        if (flow.IsSourceNat)
            result.Add(new NatTranslation("snat", FlowTupleView.Endpoint(o.Source, o.SourcePort, ports), FlowTupleView.Endpoint(r.Destination, r.DestinationPort, ports)));
        if (flow.IsDestinationNat)
            result.Add(new NatTranslation("dnat", FlowTupleView.Endpoint(o.Destination, o.DestinationPort, ports), FlowTupleView.Endpoint(r.Source, r.SourcePort, ports)));
        return result;
    }

    public override string ToString() => $"{Kind} {Before} → {After}";
}

/// <summary>A flow for JSON (API, CLI) with names an operator reads: the conntrack -L fields, NAT before → after and the rule's mark id.</summary>
public sealed record FlowView(
    uint Id,
    string Family,
    string Proto,
    int ProtoNumber,
    string? State,
    uint Timeout,
    FlowTupleView Original,
    FlowTupleView Reply,
    IReadOnlyList<string> Status,
    uint Mark,
    ushort Zone,
    uint Use,
    ulong? Packets,
    ulong? Bytes,
    DateTimeOffset? Start,
    IReadOnlyList<NatTranslation> Nat,
    int? RuleMarkId)
{
    private static readonly (FlowStatus Bit, string Name)[] StatusNames =
    [
        (FlowStatus.Expected, "EXPECTED"), (FlowStatus.SeenReply, "SEEN_REPLY"), (FlowStatus.Assured, "ASSURED"),
        (FlowStatus.Confirmed, "CONFIRMED"), (FlowStatus.SourceNat, "SRC_NAT"), (FlowStatus.DestinationNat, "DST_NAT"),
        (FlowStatus.SequenceAdjust, "SEQ_ADJUST"), (FlowStatus.SourceNatDone, "SRC_NAT_DONE"), (FlowStatus.DestinationNatDone, "DST_NAT_DONE"),
        (FlowStatus.Dying, "DYING"), (FlowStatus.FixedTimeout, "FIXED_TIMEOUT"), (FlowStatus.Template, "TEMPLATE"),
        (FlowStatus.NatClash, "NAT_CLASH"), (FlowStatus.Helper, "HELPER"), (FlowStatus.Offload, "OFFLOAD"), (FlowStatus.HardwareOffload, "HW_OFFLOAD"),
    ];

    /// <param name="flow">The flow.</param>
    /// <param name="markIdOf">The NAT engine's mark decoding (<c>NatCompileOptions.MarkIdOf</c>); null leaves <see cref="RuleMarkId"/> out.</param>
    public static FlowView From(in Flow flow, Func<uint, int>? markIdOf = null)
    {
        var counters = (flow.Present & FlowFields.Counters) != 0;
        var markId = markIdOf?.Invoke(flow.Mark);
        return new FlowView(flow.Id,
            (flow.Family != IPFamily.Any ? flow.Family : flow.Original.Family) == IPFamily.IPv6 ? "ipv6" : "ipv4",
            flow.Protocol.ConntrackName(), (byte)flow.Protocol, StateName(in flow), flow.Timeout,
            FlowTupleView.From(flow.Original), FlowTupleView.From(flow.Reply), StatusList(flow.Status),
            flow.Mark, flow.Zone, flow.Use,
            counters ? flow.OriginalCounters.Packets + flow.ReplyCounters.Packets : null,
            counters ? flow.OriginalCounters.Bytes + flow.ReplyCounters.Bytes : null,
            flow.Start, NatTranslation.Of(in flow), markId is > 0 ? markId : null);
    }

    /// <summary>TCP state as conntrack prints it (ESTABLISHED, TIME_WAIT...), null for protocols without one.</summary>
    public static string? StateName(in Flow flow) =>
        flow.Protocol == IPProtocol.Tcp && (flow.Present & FlowFields.TcpInfo) != 0 ? flow.Tcp.State.ConntrackName() : null;

    /// <summary>Set status bits by their IPS_ names without the prefix.</summary>
    public static IReadOnlyList<string> StatusList(FlowStatus status)
    {
        var names = new List<string>();
        foreach (var (bit, name) in StatusNames)
            if ((status & bit) != 0) names.Add(name);
        return names;
    }
}
