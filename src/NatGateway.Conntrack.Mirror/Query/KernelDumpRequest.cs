using System.Net.Sockets;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>
/// What a dump request can ask the kernel to filter, taken only from the top-level and-ed terms of a filter so the
/// kernel returns a superset of the matches (the predicate still runs on what comes back): family (nfgenmsg),
/// mark/mask (CTA_MARK + CTA_MARK_MASK), zone, and the original tuple's exact addresses, protocol and single ports
/// (CTA_FILTER, kernel 5.8+). Like <c>conntrack -L -f ipv4 -p tcp -s 10.0.0.1 --dport 443 --mark 1/0xff --zone 2</c>.
/// Pass to <c>ConntrackClient.Dump(request.Family, request.Filter)</c>.
/// </summary>
public sealed record KernelDumpRequest(IPFamily Family, DumpFilter? Filter)
{
    public static KernelDumpRequest From(FlowFilter filter)
    {
        IPFamily family = IPFamily.Any;
        byte? protocol = null;
        NetAddress? source = null, destination = null;
        ushort? sourcePort = null, destinationPort = null, zone = null;
        MarkTerm? mark = null;
        foreach (var term in filter.Conjuncts)
        {
            switch (term)
            {
                case FamilyTerm f when family == IPFamily.Any:
                    family = f.Family == AddressFamily.InterNetworkV6 ? IPFamily.IPv6 : IPFamily.IPv4;
                    break;
                case ProtocolTerm p when protocol is null:
                    protocol = p.Protocol;
                    break;
                case AddressTerm { AddressField: FilterField.Source, Block.IsSingleAddress: true } a when source is null:
                    source = NetAddress.FromIPAddress(a.Block.Network);
                    break;
                case AddressTerm { AddressField: FilterField.Destination, Block.IsSingleAddress: true } a when destination is null:
                    destination = NetAddress.FromIPAddress(a.Block.Network);
                    break;
                case PortTerm { PortField: FilterField.SourcePort, Range.IsSinglePort: true } p when sourcePort is null:
                    sourcePort = p.Range.First;
                    break;
                case PortTerm { PortField: FilterField.DestinationPort, Range.IsSinglePort: true } p when destinationPort is null:
                    destinationPort = p.Range.First;
                    break;
                case MarkTerm m when mark is null:
                    mark = m;
                    break;
                case ZoneTerm z when zone is null:
                    zone = z.Zone;
                    break;
            }
        }
        // Addresses of another family than the filter's (or each other's) would make the kernel filter unsatisfiable
        // or contradictory: leave them to the predicate.
        if (source is { } s && destination is { } d && s.Family != d.Family) source = destination = null;
        if (family != IPFamily.Any)
        {
            if (source?.Family != null && source.Value.Family != family) source = null;
            if (destination?.Family != null && destination.Value.Family != family) destination = null;
        }
        // Ports in CTA_FILTER are only meaningful with the protocol; ICMP/GRE have none.
        if (protocol is null || !FilterNames.HasPorts(protocol.Value)) sourcePort = destinationPort = null;

        TupleFilter? original = null;
        if (protocol is not null || source is not null || destination is not null)
            original = new TupleFilter
            {
                Protocol = (IPProtocol?)protocol,
                Source = source,
                Destination = destination,
                SourcePort = sourcePort,
                DestinationPort = destinationPort,
            };
        DumpFilter? dumpFilter = null;
        if (original is not null || mark is not null || zone is not null)
            dumpFilter = new DumpFilter
            {
                Original = original,
                Mark = mark?.Value,
                MarkMask = mark?.Mask ?? uint.MaxValue,
                Zone = zone,
            };
        if (family == IPFamily.Any && (source ?? destination) is { } implied) family = implied.Family;
        return new KernelDumpRequest(family, dumpFilter);
    }
}
