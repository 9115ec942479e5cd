using System.Net.Sockets;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>
/// What a dump request can ask the kernel to filter, taken only from the top-level and-ed terms of a filter so the
/// kernel returns a superset of the matches (the predicate still runs on what comes back): family (nfgenmsg),
/// mark/mask (CTA_MARK + CTA_MARK_MASK), zone, and both tuples' exact addresses, protocol and single ports
/// (CTA_FILTER, kernel 5.8+). Like <c>conntrack -L -f ipv4 -p tcp -s 10.0.0.1 --dport 443 -q 10.0.0.9 --mark 1/0xff --zone 2</c>.
/// Status is not pushed down (CTA_STATUS_MASK needs kernel 6.1+); the predicate applies it.
/// Pass to <c>ConntrackClient.Dump(request.Family, request.Filter)</c>.
/// </summary>
public sealed record KernelDumpRequest(IPFamily Family, DumpFilter? Filter)
{
    public static KernelDumpRequest From(FlowFilter filter)
    {
        IPFamily family = IPFamily.Any;
        byte? protocol = null;
        NetAddress? source = null, destination = null, replySource = null, replyDestination = null;
        ushort? sourcePort = null, destinationPort = null, replySourcePort = null, replyDestinationPort = null, zone = null;
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
                case AddressTerm { AddressField: FilterField.ReplySource, Block.IsSingleAddress: true } a when replySource is null:
                    replySource = NetAddress.FromIPAddress(a.Block.Network);
                    break;
                case AddressTerm { AddressField: FilterField.ReplyDestination, Block.IsSingleAddress: true } a when replyDestination is null:
                    replyDestination = NetAddress.FromIPAddress(a.Block.Network);
                    break;
                case PortTerm { PortField: FilterField.ReplySourcePort, Range.IsSinglePort: true } p when replySourcePort is null:
                    replySourcePort = p.Range.First;
                    break;
                case PortTerm { PortField: FilterField.ReplyDestinationPort, Range.IsSinglePort: true } p when replyDestinationPort is null:
                    replyDestinationPort = p.Range.First;
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
        // Addresses must all be of one family, and of the filter's family if it names one; otherwise the kernel
        // filter would be unsatisfiable or contradictory, so the addresses are left to the predicate.
        NetAddress?[] addresses = [source, destination, replySource, replyDestination];
        var families = addresses.Where(a => a is not null).Select(a => a!.Value.Family).Distinct().ToList();
        if (families.Count > 1 || (family != IPFamily.Any && families.Count == 1 && families[0] != family))
            source = destination = replySource = replyDestination = null;
        // Ports in CTA_FILTER are only meaningful with the protocol; ICMP/GRE have none.
        if (protocol is null || !FilterNames.HasPorts(protocol.Value))
            sourcePort = destinationPort = replySourcePort = replyDestinationPort = null;

        var original = Tuple(protocol, source, destination, sourcePort, destinationPort);
        var reply = Tuple(protocol, replySource, replyDestination, replySourcePort, replyDestinationPort);
        DumpFilter? dumpFilter = null;
        if (original is not null || reply is not null || mark is not null || zone is not null)
            dumpFilter = new DumpFilter
            {
                Original = original,
                Reply = reply,
                Mark = mark?.Value,
                MarkMask = mark?.Mask ?? uint.MaxValue,
                Zone = zone,
            };
        if (family == IPFamily.Any && (source ?? destination ?? replySource ?? replyDestination) is { } implied) family = implied.Family;
        return new KernelDumpRequest(family, dumpFilter);
    }

    private static TupleFilter? Tuple(byte? protocol, NetAddress? source, NetAddress? destination, ushort? sourcePort, ushort? destinationPort) =>
        protocol is null && source is null && destination is null
            ? null
            : new TupleFilter
            {
                Protocol = (IPProtocol?)protocol,
                Source = source,
                Destination = destination,
                SourcePort = sourcePort,
                DestinationPort = destinationPort,
            };
}
