using System.Net;

namespace NatGateway.Nat;

/// <summary>
/// The packets a DNAT rule matches, as sets that can be compared: used by the validator (duplicates, shadowing)
/// and by the compiler (may a plain forward move up into a map without overtaking a rule that matches the same packets?).
/// Empty interface/source lists mean "any". A null destination address means "a local address of the input interface",
/// unless <see cref="AnyDestination"/> (a redirect without an address matches every destination, passing through too).
/// </summary>
public sealed record ForwardMatch(
    NatFamily Family,
    IReadOnlyCollection<string> InInterfaces,
    bool InterfacesNegated,
    IReadOnlySet<NatProtocol> Protocols,
    IPAddress? DestinationAddress,
    PortRange DestinationPort,
    IReadOnlyList<IpPrefix> SourceCidrs,
    bool AnyDestination = false)
{
    public static ForwardMatch Of(DnatRule rule) => new(
        rule.Family, rule.InInterfaces, false, Expand(rule.Protocol), rule.DestinationAddress, rule.DestinationPort, rule.SourceCidrs);

    /// <summary>A redirect: like a forward, but no address means any destination (its nft rule has no daddr match).</summary>
    public static ForwardMatch Of(RedirectRule rule) => new(
        rule.Family, rule.InInterfaces, false, Expand(rule.Protocol), rule.DestinationAddress, rule.DestinationPort, rule.SourceCidrs,
        AnyDestination: rule.DestinationAddress is null);

    /// <summary>A load-balanced forward matches like a port forward (no address = local addresses of the input interface).</summary>
    public static ForwardMatch Of(LoadBalanceRule rule) => new(
        rule.Family, rule.InInterfaces, false, Expand(rule.Protocol), rule.DestinationAddress, rule.DestinationPort, rule.SourceCidrs);

    /// <summary>The match of a prerouting rule that takes one port (range) of one protocol set: DNAT, redirect, load-balance; else null.</summary>
    public static ForwardMatch? For(NatRule rule) => rule switch
    {
        DnatRule d => Of(d),
        RedirectRule r => Of(r),
        LoadBalanceRule l => Of(l),
        _ => null,
    };

    /// <summary>The hairpin half of a DNAT rule: same forward, but arriving on any other interface.</summary>
    public static ForwardMatch HairpinOf(DnatRule rule) => Of(rule) with { InterfacesNegated = true };

    public static IReadOnlySet<NatProtocol> Expand(NatProtocol protocol) => protocol == NatProtocol.Both
        ? new HashSet<NatProtocol> { NatProtocol.Tcp, NatProtocol.Udp }
        : new HashSet<NatProtocol> { protocol };

    /// <summary>True unless some packet provably cannot match both (conservative: "maybe" counts as overlap).</summary>
    public bool MayOverlap(ForwardMatch other)
    {
        if (Family != other.Family) return false;
        if (!Protocols.Overlaps(other.Protocols)) return false;
        if (!DestinationPort.Overlaps(other.DestinationPort)) return false;
        if (!InterfacesMayOverlap(other)) return false;
        // A specific address may or may not be local to the interface: only two different specific addresses are disjoint.
        if (DestinationAddress is not null && other.DestinationAddress is not null && !DestinationAddress.Equals(other.DestinationAddress)) return false;
        if (SourceCidrs.Count > 0 && other.SourceCidrs.Count > 0 && !SourceCidrs.Any(a => other.SourceCidrs.Any(a.Overlaps))) return false;
        return true;
    }

    private bool InterfacesMayOverlap(ForwardMatch other)
    {
        if (InInterfaces.Count == 0 || other.InInterfaces.Count == 0) return true;
        if (!InterfacesNegated && !other.InterfacesNegated) return InInterfaces.Intersect(other.InInterfaces).Any();
        if (InterfacesNegated && other.InterfacesNegated) return true;
        // One negated: they overlap unless the positive list lies wholly inside the negated one.
        var (positive, negated) = InterfacesNegated ? (other.InInterfaces, InInterfaces) : (InInterfaces, other.InInterfaces);
        return positive.Except(negated).Any();
    }

    /// <summary>True when every packet <paramref name="other"/> matches is also matched by this (so this, if earlier, shadows it).</summary>
    public bool Covers(ForwardMatch other)
    {
        if (Family != other.Family || InterfacesNegated || other.InterfacesNegated) return false;
        if (!Protocols.IsSupersetOf(other.Protocols)) return false;
        if (!DestinationPort.Contains(other.DestinationPort)) return false;
        if (InInterfaces.Count > 0 && (other.InInterfaces.Count == 0 || !other.InInterfaces.All(InInterfaces.Contains))) return false;
        // Any destination covers every destination; otherwise the same address, or both "local", and the other not "any".
        if (!AnyDestination && (other.AnyDestination || !Equals(DestinationAddress, other.DestinationAddress))) return false;
        if (SourceCidrs.Count > 0 && (other.SourceCidrs.Count == 0 || !other.SourceCidrs.All(o => SourceCidrs.Any(s => s.Contains(o))))) return false;
        return true;
    }
}
