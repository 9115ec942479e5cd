using System.Net.Sockets;
using NatGateway.Conntrack.Mirror.Store;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>A filter compiled for evaluation on the slab's <see cref="FlowEntry"/> (no allocation per entry, except free text on IPv6).</summary>
internal abstract class FlowMatcher
{
    public abstract bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now);

    /// <summary>Relative cost, so an and evaluates cheap terms first.</summary>
    public virtual int Cost => 1;

    public static FlowMatcher Compile(FilterNode? node) => node switch
    {
        null => new AllMatcher(),
        AndNode and => new AndMatcher(and.Terms.Select(Compile).OrderBy(m => m.Cost).ToArray()),
        OrNode or => new OrMatcher(or.Terms.Select(Compile).OrderBy(m => m.Cost).ToArray()),
        NotNode not => new NotMatcher(Compile(not.Inner)),
        FamilyTerm family => new FamilyMatcher(family.Family == AddressFamily.InterNetworkV6 ? (byte)6 : (byte)4),
        ProtocolTerm protocol => new ProtocolMatcher(protocol.Protocol),
        AddressTerm address => new AddressMatcher(address.AddressField, address.Block),
        PortTerm port => new PortMatcher(port.PortField, port.Range),
        StateTerm state => new StateMatcher(state.TcpState),
        StatusTerm status => new StatusMatcher(status.Condition),
        MarkTerm mark => new MarkMatcher(mark.Value, mark.Mask),
        ZoneTerm zone => new ZoneMatcher(zone.Zone),
        IdTerm id => new IdMatcher(id.Id),
        TextTerm text => new TextMatcher(text.Text),
        _ => throw new ArgumentOutOfRangeException(nameof(node), node.GetType().Name, "unknown filter node"),
    };

    private sealed class AllMatcher : FlowMatcher
    {
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now) => true;
    }

    private sealed class AndMatcher(FlowMatcher[] terms) : FlowMatcher
    {
        public override int Cost => terms.Sum(t => t.Cost);
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now)
        {
            foreach (var term in terms)
                if (!term.Matches(in entry, addresses, now)) return false;
            return true;
        }
    }

    private sealed class OrMatcher(FlowMatcher[] terms) : FlowMatcher
    {
        public override int Cost => terms.Sum(t => t.Cost);
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now)
        {
            foreach (var term in terms)
                if (term.Matches(in entry, addresses, now)) return true;
            return false;
        }
    }

    private sealed class NotMatcher(FlowMatcher inner) : FlowMatcher
    {
        public override int Cost => inner.Cost;
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now) => !inner.Matches(in entry, addresses, now);
    }

    private sealed class FamilyMatcher(byte family) : FlowMatcher
    {
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now) => entry.Family == family;
    }

    private sealed class ProtocolMatcher(byte protocol) : FlowMatcher
    {
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now) => entry.Protocol == protocol;
    }

    private sealed class AddressMatcher(FilterField field, AddressBlock block) : FlowMatcher
    {
        private readonly byte _family = block.Family == AddressFamily.InterNetworkV6 ? (byte)6 : (byte)4;

        public override int Cost => _family == 6 ? 3 : 1;

        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now)
        {
            if (entry.Family != _family) return false;
            return field switch
            {
                FilterField.Source => Contains(entry.OriginalSource, addresses),
                FilterField.Destination => Contains(entry.OriginalDestination, addresses),
                FilterField.ReplySource => Contains(entry.ReplySource, addresses),
                FilterField.ReplyDestination => Contains(entry.ReplyDestination, addresses),
                _ => Contains(entry.OriginalSource, addresses) || Contains(entry.OriginalDestination, addresses) ||
                     Contains(entry.ReplySource, addresses) || Contains(entry.ReplyDestination, addresses),
            };
        }

        private bool Contains(uint stored, IIPv6Addresses addresses) =>
            _family == 4 ? block.ContainsIPv4(stored) : block.ContainsIPv6(addresses.GetIPv6(stored));
    }

    private sealed class PortMatcher(FilterField field, PortRange range) : FlowMatcher
    {
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now)
        {
            if (!FilterNames.HasPorts(entry.Protocol)) return false;
            return field switch
            {
                FilterField.SourcePort => range.Contains(entry.OriginalSourcePort),
                FilterField.DestinationPort => range.Contains(entry.OriginalDestinationPort),
                FilterField.ReplySourcePort => range.Contains(entry.ReplySourcePort),
                FilterField.ReplyDestinationPort => range.Contains(entry.ReplyDestinationPort),
                _ => range.Contains(entry.OriginalSourcePort) || range.Contains(entry.OriginalDestinationPort) ||
                     range.Contains(entry.ReplySourcePort) || range.Contains(entry.ReplyDestinationPort),
            };
        }
    }

    private sealed class StateMatcher(byte state) : FlowMatcher
    {
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now) =>
            entry.Protocol == 6 && (entry.Flags & FlowEntryFlags.HasProtocolState) != 0 && entry.ProtocolState == state;
    }

    private sealed class StatusMatcher(StatusCondition condition) : FlowMatcher
    {
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now) => condition.Matches(entry.Status);
    }

    private sealed class MarkMatcher(uint value, uint mask) : FlowMatcher
    {
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now) => (entry.Mark & mask) == value;
    }

    private sealed class ZoneMatcher(ushort zone) : FlowMatcher
    {
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now) => entry.Zone == zone;
    }

    private sealed class IdMatcher(uint id) : FlowMatcher
    {
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now) => entry.Id == id;
    }

    private sealed class TextMatcher(string text) : FlowMatcher
    {
        public override int Cost => 100;
        public override bool Matches(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now)
        {
            // The same line `natgw conntrack list --output text` prints (conntrack -L -o extended,id).
            var flow = FlowEntryCodec.Decode(in entry, addresses, now);
            Span<char> line = stackalloc char[1024];
            var length = FlowFormatter.Format(in flow, line, includeId: true);
            return line[..length].Contains(text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
