namespace NatGateway.Conntrack;

/// <summary>
/// Kernel-side filter for dumps, filtered flushes and <see cref="ConntrackClient.DeleteWhere(DumpFilter, Func{Flow, bool}?, IPFamily)"/>.
/// The kernel compares exact values (no CIDR prefixes): narrow on the kernel side, then refine in managed code.
/// Mark/mask works on all supported kernels (conntrack -L -m 1/0xff); tuple fields and zone need CTA_FILTER
/// (kernel 5.8+, conntrack -L -s 10.0.0.5 -p tcp --dport 80); status/mask needs kernel 6.1+.
/// </summary>
public sealed record DumpFilter
{
    /// <summary>CTA_MARK: keep flows with (mark &amp; <see cref="MarkMask"/>) == Mark (conntrack -m MARK[/MASK]).</summary>
    public uint? Mark { get; init; }
    /// <summary>CTA_MARK_MASK (default all bits).</summary>
    public uint MarkMask { get; init; } = uint.MaxValue;
    /// <summary>Zone (conntrack -w ZONE). Applied in managed code: the kernel's zone filter rejects a
    /// zone-only CTA_FILTER with EINVAL, and conntrack(8) filters zones in userspace too.</summary>
    public ushort? Zone { get; init; }
    /// <summary>CTA_STATUS + CTA_STATUS_MASK (kernel 6.1+, conntrack --status ASSURED).</summary>
    public FlowStatus? Status { get; init; }
    public FlowStatus StatusMask { get; init; } = (FlowStatus)uint.MaxValue;
    /// <summary>Fields of the original tuple to match (conntrack -s/-d/-p/--sport/--dport).</summary>
    public TupleFilter? Original { get; init; }
    /// <summary>Fields of the reply tuple to match (conntrack -r/-q/--reply-port-src/--reply-port-dst).</summary>
    public TupleFilter? Reply { get; init; }

    /// <summary>True when the filter needs CTA_FILTER (tuple fields), i.e. kernel 5.8+.</summary>
    public bool NeedsTupleFilter => Original is { IsEmpty: false } || Reply is { IsEmpty: false };

    /// <summary>True when the request carries CTA_FILTER (tuple fields or zone). The kernel then needs a concrete
    /// family in nfgenmsg (AF_UNSPEC gives EOPNOTSUPP), so an all-family dump runs once per family.</summary>
    public bool NeedsCtaFilter => NeedsTupleFilter;

    /// <summary>The address family implied by the addresses in the filter, or <see cref="IPFamily.Any"/>.</summary>
    public IPFamily ImpliedFamily =>
        Original?.ImpliedFamily is { } f and not IPFamily.Any ? f :
        Reply?.ImpliedFamily ?? IPFamily.Any;

    /// <summary>The same test applied in managed code (used for events and to verify kernels without filter support).</summary>
    public bool Matches(in Flow flow)
    {
        if (Mark is { } mark && (flow.Mark & MarkMask) != (mark & MarkMask)) return false;
        if (Zone is { } zone && flow.Zone != zone) return false;
        if (Status is { } status && (flow.Status & StatusMask) != (status & StatusMask)) return false;
        if (Original is { } o && !o.Matches(flow.Original)) return false;
        if (Reply is { } r && !r.Matches(flow.Reply)) return false;
        return true;
    }
}

/// <summary>Exact-match fields of one tuple for <see cref="DumpFilter"/>. Ports need <see cref="Protocol"/>.</summary>
public sealed record TupleFilter
{
    public NetAddress? Source { get; init; }
    public NetAddress? Destination { get; init; }
    public IPProtocol? Protocol { get; init; }
    public ushort? SourcePort { get; init; }
    public ushort? DestinationPort { get; init; }
    public byte? IcmpType { get; init; }
    public byte? IcmpCode { get; init; }
    public ushort? IcmpId { get; init; }

    public bool IsEmpty => Source is null && Destination is null && Protocol is null && SourcePort is null
        && DestinationPort is null && IcmpType is null && IcmpCode is null && IcmpId is null;

    public IPFamily ImpliedFamily => Source?.Family ?? Destination?.Family ?? IPFamily.Any;

    public bool Matches(in FlowTuple t)
    {
        if (Source is { } s && t.Source != s) return false;
        if (Destination is { } d && t.Destination != d) return false;
        if (Protocol is { } p && t.Protocol != p) return false;
        if (SourcePort is { } sp && t.SourcePort != sp) return false;
        if (DestinationPort is { } dp && t.DestinationPort != dp) return false;
        if (IcmpType is { } it && t.IcmpType != it) return false;
        if (IcmpCode is { } ic && t.IcmpCode != ic) return false;
        if (IcmpId is { } id && t.IcmpId != id) return false;
        return true;
    }
}
