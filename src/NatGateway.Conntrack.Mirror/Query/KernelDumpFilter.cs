using System.Net;
using System.Net.Sockets;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>
/// What a dump request can ask the kernel to filter: taken only from the top-level and-ed terms of a filter, so the
/// kernel returns a superset of the matches. Mark/mask (CTA_MARK + CTA_MARK_MASK, kernel 4.2+ for dumps), zone (CTA_ZONE),
/// family (nfgenmsg), and the original tuple's exact addresses, protocol and single ports (CTA_FILTER, kernel 5.11+).
/// Equivalent to <c>conntrack -L -f ipv4 -p tcp -s 10.0.0.1 --dport 443 --mark 1/0xff --zone 2</c>.
/// </summary>
public sealed record KernelDumpFilter
{
    public AddressFamily? Family { get; init; }
    public byte? Protocol { get; init; }
    public IPAddress? OriginalSource { get; init; }
    public IPAddress? OriginalDestination { get; init; }
    public ushort? OriginalSourcePort { get; init; }
    public ushort? OriginalDestinationPort { get; init; }
    public uint? Mark { get; init; }
    public uint? MarkMask { get; init; }
    public ushort? Zone { get; init; }

    public bool IsEmpty => this == new KernelDumpFilter();

    public static KernelDumpFilter From(FlowFilter filter)
    {
        var result = new KernelDumpFilter();
        foreach (var term in filter.Conjuncts)
        {
            result = term switch
            {
                FamilyTerm f when result.Family is null => result with { Family = f.Family },
                ProtocolTerm p when result.Protocol is null => result with { Protocol = p.Protocol },
                AddressTerm { AddressField: FilterField.Source, Block.IsSingleAddress: true } a when result.OriginalSource is null =>
                    result with { OriginalSource = a.Block.Network, Family = a.Block.Family },
                AddressTerm { AddressField: FilterField.Destination, Block.IsSingleAddress: true } a when result.OriginalDestination is null =>
                    result with { OriginalDestination = a.Block.Network, Family = a.Block.Family },
                PortTerm { PortField: FilterField.SourcePort, Range.IsSinglePort: true } p when result.OriginalSourcePort is null =>
                    result with { OriginalSourcePort = p.Range.First },
                PortTerm { PortField: FilterField.DestinationPort, Range.IsSinglePort: true } p when result.OriginalDestinationPort is null =>
                    result with { OriginalDestinationPort = p.Range.First },
                MarkTerm m when result.Mark is null => result with { Mark = m.Value, MarkMask = m.Mask },
                ZoneTerm z when result.Zone is null => result with { Zone = z.Zone },
                _ => result,
            };
        }
        // Ports in CTA_FILTER need the protocol; without it the kernel cannot place them.
        if (result.Protocol is null)
            result = result with { OriginalSourcePort = null, OriginalDestinationPort = null };
        if (result.OriginalSource is { } source && result.OriginalDestination is { } destination && source.AddressFamily != destination.AddressFamily)
            result = result with { OriginalSource = null, OriginalDestination = null };
        // A family contradicting an address makes the kernel filter unsatisfiable: leave addresses to the predicate.
        if (filter.Conjuncts.OfType<FamilyTerm>().FirstOrDefault() is { } family && result.Family != family.Family)
            result = result with { Family = family.Family, OriginalSource = null, OriginalDestination = null };
        return result;
    }
}
