using System.Net.Sockets;
using NatGateway.Conntrack.Mirror.Query;

namespace NatGateway.Conntrack.Mirror.Model;

/// <summary>
/// An immutable snapshot of one conntrack entry: a row of a query page, and the input the mirror is fed
/// (from a dump or an event). Numeric fields keep the kernel's numbering: <see cref="Protocol"/> is the IP protocol
/// number, <see cref="Status"/> the IPS_* bits, <see cref="TcpState"/> enum tcp_conntrack.
/// </summary>
/// <remarks>
/// As mirror input, null optional fields mean "not in this message": an UPDATE event without CTA_PROTOINFO keeps the
/// TCP state the mirror already has, and events never carry counters (the kernel sends them only in dumps and DESTROY).
/// </remarks>
public sealed record FlowRecord
{
    /// <summary>The conntrack id (CTA_ID; conntrack -L -o id).</summary>
    public required uint Id { get; init; }
    /// <summary>IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, ...).</summary>
    public required byte Protocol { get; init; }
    public required FlowTuple Original { get; init; }
    public required FlowTuple Reply { get; init; }
    /// <summary>IPS_* status bits (CTA_STATUS).</summary>
    public uint Status { get; init; }
    /// <summary>TCP conntrack state (CTA_PROTOINFO_TCP_STATE); null for other protocols or when the message lacks it.</summary>
    public byte? TcpState { get; init; }
    /// <summary>Seconds until the entry expires (CTA_TIMEOUT), as of when the record was made.</summary>
    public uint? TimeoutSeconds { get; init; }
    public uint Mark { get; init; }
    public ushort Zone { get; init; }
    /// <summary>Counters when accounting is on (nf_conntrack_acct=1), else null.</summary>
    public FlowCounters? Counters { get; init; }
    /// <summary>Start time (CTA_TIMESTAMP_START) when nf_conntrack_timestamp=1, else null.</summary>
    public DateTimeOffset? Start { get; init; }

    public AddressFamily Family => Original.Source.AddressFamily;
    public bool IsAssured => (Status & (1u << 2)) != 0;
    public bool IsUnreplied => (Status & (1u << 1)) == 0;
    public bool IsSourceNat => (Status & (1u << 4)) != 0;
    public bool IsDestinationNat => (Status & (1u << 5)) != 0;

    /// <summary>The protocol name as conntrack prints it ("tcp", or the number when unnamed).</summary>
    public string ProtocolName => FilterNames.FormatProtocol(Protocol);

    /// <summary>The flow as one line in the spirit of <c>conntrack -L -o extended,id</c>; free-text filters search this line.</summary>
    public override string ToString() => FlowTextFormatter.Format(this);
}
