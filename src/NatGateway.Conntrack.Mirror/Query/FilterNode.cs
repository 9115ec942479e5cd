using System.Globalization;
using System.Net.Sockets;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>
/// A node of a parsed filter. <see cref="object.ToString"/> gives the canonical text, which parses back to an equal tree.
/// Precedence: not binds tighter than and, and tighter than or.
/// </summary>
public abstract record FilterNode
{
    /// <summary>0 = or, 1 = and, 2 = not/term. Decides where the canonical text needs parentheses.</summary>
    internal abstract int Precedence { get; }

    internal string ToStringWithin(int parentPrecedence) =>
        Precedence < parentPrecedence ? $"({this})" : ToString();

    /// <summary>Structural equality by canonical text (lists inside records compare by reference otherwise).</summary>
    public virtual bool Equals(FilterNode? other) => other is not null && ToString() == other.ToString();
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}

/// <summary>All of the terms match.</summary>
public sealed record AndNode(IReadOnlyList<FilterNode> Terms) : FilterNode
{
    internal override int Precedence => 1;
    public override string ToString() => string.Join(" and ", Terms.Select(t => t.ToStringWithin(2)));
    public bool Equals(AndNode? other) => base.Equals(other);
    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>At least one of the terms matches.</summary>
public sealed record OrNode(IReadOnlyList<FilterNode> Terms) : FilterNode
{
    internal override int Precedence => 0;
    public override string ToString() => string.Join(" or ", Terms.Select(t => t.ToStringWithin(1)));
    public bool Equals(OrNode? other) => base.Equals(other);
    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>The inner node does not match.</summary>
public sealed record NotNode(FilterNode Inner) : FilterNode
{
    internal override int Precedence => 2;
    public override string ToString() => "not " + Inner.ToStringWithin(2);
    public bool Equals(NotNode? other) => base.Equals(other);
    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>A single field test: one chip on the page.</summary>
public abstract record TermNode : FilterNode
{
    internal override int Precedence => 2;
    public abstract FilterField Field { get; }
    /// <summary>The value as written canonically (the part after the field name).</summary>
    public abstract string ValueText { get; }
    public override string ToString() => $"{FilterFieldNames.Canonical(Field)} {ValueText}";
}

/// <summary>family ipv4|ipv6 (conntrack -f).</summary>
public sealed record FamilyTerm(AddressFamily Family) : TermNode
{
    public override FilterField Field => FilterField.Family;
    public override string ValueText => Family == AddressFamily.InterNetwork ? "ipv4" : "ipv6";
    public override string ToString() => base.ToString();
}

/// <summary>proto NAME|NUMBER (conntrack -p).</summary>
public sealed record ProtocolTerm(byte Protocol) : TermNode
{
    public override FilterField Field => FilterField.Protocol;
    public override string ValueText => FilterNames.FormatProtocol(Protocol);
    public override string ToString() => base.ToString();
}

/// <summary>src/dst/reply-src/reply-dst/any ADDRESS[/PREFIX] (conntrack -s -d --reply-src --reply-dst).</summary>
public sealed record AddressTerm : TermNode
{
    public AddressTerm(FilterField field, AddressBlock block)
    {
        if (field is not (FilterField.Source or FilterField.Destination or FilterField.ReplySource or FilterField.ReplyDestination or FilterField.AnyAddress))
            throw new ArgumentOutOfRangeException(nameof(field), field, "not an address field");
        AddressField = field;
        Block = block;
    }

    public FilterField AddressField { get; }
    public AddressBlock Block { get; }
    public override FilterField Field => AddressField;
    public override string ValueText => Block.ToString();
    public override string ToString() => base.ToString();
}

/// <summary>sport/dport/reply-sport/reply-dport/port PORT[-PORT] (conntrack --sport --dport). Only flows whose protocol has ports match.</summary>
public sealed record PortTerm : TermNode
{
    public PortTerm(FilterField field, PortRange range)
    {
        if (field is not (FilterField.SourcePort or FilterField.DestinationPort or FilterField.ReplySourcePort or FilterField.ReplyDestinationPort or FilterField.AnyPort))
            throw new ArgumentOutOfRangeException(nameof(field), field, "not a port field");
        PortField = field;
        Range = range;
    }

    public FilterField PortField { get; }
    public PortRange Range { get; }
    public override FilterField Field => PortField;
    public override string ValueText => Range.ToString();
    public override string ToString() => base.ToString();
}

/// <summary>state NAME: the TCP conntrack state (conntrack --state). Only TCP flows match.</summary>
public sealed record StateTerm(byte TcpState) : TermNode
{
    public override FilterField Field => FilterField.State;
    public override string ValueText => FilterNames.FormatTcpState(TcpState);
    public override string ToString() => base.ToString();
}

/// <summary>status NAME (conntrack --status ASSURED; unreplied = SEEN_REPLY clear; nat = SNAT or DNAT).</summary>
public sealed record StatusTerm(StatusCondition Condition) : TermNode
{
    public override FilterField Field => FilterField.Status;
    public override string ValueText => Condition.Name;
    public override string ToString() => base.ToString();
}

/// <summary>mark VALUE[/MASK]: (ct mark &amp; MASK) == VALUE, as the kernel's CTA_MARK/CTA_MARK_MASK dump filter (conntrack --mark 1/0xff).</summary>
public sealed record MarkTerm(uint Value, uint Mask = uint.MaxValue) : TermNode
{
    public override FilterField Field => FilterField.Mark;
    public override string ValueText => Mask == uint.MaxValue
        ? Value.ToString(CultureInfo.InvariantCulture)
        : $"0x{Value.ToString("x", CultureInfo.InvariantCulture)}/0x{Mask.ToString("x", CultureInfo.InvariantCulture)}";
    public bool Matches(uint mark) => (mark & Mask) == Value;
    public override string ToString() => base.ToString();
}

/// <summary>zone N (conntrack --zone).</summary>
public sealed record ZoneTerm(ushort Zone) : TermNode
{
    public override FilterField Field => FilterField.Zone;
    public override string ValueText => Zone.ToString(CultureInfo.InvariantCulture);
    public override string ToString() => base.ToString();
}

/// <summary>id N: the conntrack id.</summary>
public sealed record IdTerm(uint Id) : TermNode
{
    public override FilterField Field => FilterField.Id;
    public override string ValueText => Id.ToString(CultureInfo.InvariantCulture);
    public override string ToString() => base.ToString();
}

/// <summary>Free text: a case-insensitive substring of the flow's text line (as <c>conntrack -L</c> would print it).</summary>
public sealed record TextTerm(string Text) : TermNode
{
    public override FilterField Field => FilterField.Text;
    public override string ValueText => Quote(Text);
    /// <summary>Free text is written as a quoted string alone.</summary>
    public override string ToString() => ValueText;

    internal static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
