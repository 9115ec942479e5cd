using NatGateway.Conntrack;

namespace NatGateway.Agent.Protocol;

/// <summary>A <see cref="DumpFilter"/> as data (addresses as text, enums by name).</summary>
public sealed record DumpFilterWire
{
    public uint? Mark { get; init; }
    public uint MarkMask { get; init; } = uint.MaxValue;
    public ushort? Zone { get; init; }
    public uint? Status { get; init; }
    public uint StatusMask { get; init; } = uint.MaxValue;
    public TupleWire? Original { get; init; }
    public TupleWire? Reply { get; init; }

    public static DumpFilterWire? From(DumpFilter? f) => f is null ? null : new DumpFilterWire
    {
        Mark = f.Mark, MarkMask = f.MarkMask, Zone = f.Zone, Status = (uint?)f.Status, StatusMask = (uint)f.StatusMask,
        Original = TupleWire.From(f.Original), Reply = TupleWire.From(f.Reply),
    };
}

/// <summary>A tuple (or tuple filter) as data; null fields are absent.</summary>
public sealed record TupleWire
{
    public string? Source { get; init; }
    public string? Destination { get; init; }
    public byte? Protocol { get; init; }
    public ushort? SourcePort { get; init; }
    public ushort? DestinationPort { get; init; }
    public byte? IcmpType { get; init; }
    public byte? IcmpCode { get; init; }
    public ushort? IcmpId { get; init; }

    public static TupleWire? From(TupleFilter? t) => t is null ? null : new TupleWire
    {
        Source = t.Source?.ToString(), Destination = t.Destination?.ToString(), Protocol = (byte?)t.Protocol,
        SourcePort = t.SourcePort, DestinationPort = t.DestinationPort, IcmpType = t.IcmpType, IcmpCode = t.IcmpCode, IcmpId = t.IcmpId,
    };

    public static TupleWire From(in FlowTuple t) => new()
    {
        Source = t.Source.ToString(), Destination = t.Destination.ToString(), Protocol = (byte)t.Protocol,
        SourcePort = t.SourcePort, DestinationPort = t.DestinationPort, IcmpType = t.IcmpType, IcmpCode = t.IcmpCode, IcmpId = t.IcmpId,
    };
}

/// <summary>What identifies one entry for a delete: original tuple, zone and (when known) the kernel's id.</summary>
public sealed record FlowKeyWire(TupleWire Original, ushort Zone, uint? Id);

/// <summary>One line of a persisted sysctl file.</summary>
public sealed record PersistedSysctlWire(string[] Key, string Value, bool SkipWhenMissing);
