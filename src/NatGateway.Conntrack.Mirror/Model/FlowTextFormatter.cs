using System.Buffers.Binary;
using System.Net;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Conntrack.Mirror.Store;

namespace NatGateway.Conntrack.Mirror.Model;

/// <summary>
/// Writes a flow as one line in the spirit of <c>conntrack -L -o extended,id</c>:
/// <c>ipv4     2 tcp      6 431999 ESTABLISHED src=… dst=… sport=… dport=… [UNREPLIED] src=… … [ASSURED] mark=0 zone=3 id=…</c>.
/// Free-text filters search this line; it is written into a stack buffer so scanning a million flows allocates nothing for IPv4.
/// </summary>
public static class FlowTextFormatter
{
    internal const int MaxLength = 1024;

    public static string Format(FlowRecord record)
    {
        var scratch = new ScratchIPv6Addresses();
        var entry = new FlowEntry();
        FlowEntryCodec.Encode(record, ref entry, scratch, now: 0);
        Span<char> buffer = stackalloc char[MaxLength];
        var length = Format(in entry, scratch, now: 0, buffer);
        return new string(buffer[..length]);
    }

    /// <summary>Formats into <paramref name="buffer"/> (at least <see cref="MaxLength"/> chars); returns the length written.</summary>
    internal static int Format(ref readonly FlowEntry entry, IIPv6Addresses addresses, uint now, Span<char> buffer)
    {
        var w = new LineWriter(buffer);
        w.Pad(entry.IsIPv6 ? "ipv6" : "ipv4", 8); w.Char(' ');
        w.Number(entry.IsIPv6 ? 10u : 2u); w.Char(' ');
        w.Pad(FilterNames.FormatProtocol(entry.Protocol), 8); w.Char(' ');
        w.Number(entry.Protocol); w.Char(' ');
        if ((entry.Flags & FlowEntryFlags.HasTimeout) != 0) { w.Number(FlowEntryCodec.RemainingSeconds(in entry, now)); w.Char(' '); }
        if ((entry.Flags & FlowEntryFlags.HasTcpState) != 0 && entry.Protocol == 6)
        {
            w.Upper(FilterNames.FormatTcpState(entry.TcpState)); w.Char(' ');
        }
        Tuple(ref w, in entry, addresses, entry.OriginalSource, entry.OriginalDestination, entry.OriginalSourcePort, entry.OriginalDestinationPort);
        if ((entry.Flags & FlowEntryFlags.HasCounters) != 0) Counters(ref w, entry.OriginalPackets, entry.OriginalBytes);
        if ((entry.Status & (1u << 1)) == 0) w.Text("[UNREPLIED] ");
        Tuple(ref w, in entry, addresses, entry.ReplySource, entry.ReplyDestination, entry.ReplySourcePort, entry.ReplyDestinationPort);
        if ((entry.Flags & FlowEntryFlags.HasCounters) != 0) Counters(ref w, entry.ReplyPackets, entry.ReplyBytes);
        if ((entry.Status & (1u << 14)) != 0) w.Text("[OFFLOAD] ");
        if ((entry.Status & (1u << 2)) != 0) w.Text("[ASSURED] ");
        w.Text("mark="); w.Number(entry.Mark); w.Char(' ');
        if (entry.Zone != 0) { w.Text("zone="); w.Number(entry.Zone); w.Char(' '); }
        w.Text("id="); w.Number(entry.Id);
        return w.Length;
    }

    private static void Tuple(ref LineWriter w, ref readonly FlowEntry entry, IIPv6Addresses addresses, uint source, uint destination, ushort sourcePort, ushort destinationPort)
    {
        w.Text("src="); Address(ref w, in entry, addresses, source); w.Char(' ');
        w.Text("dst="); Address(ref w, in entry, addresses, destination); w.Char(' ');
        if (FilterNames.IsIcmp(entry.Protocol))
        {
            w.Text("type="); w.Number((uint)(destinationPort >> 8)); w.Char(' ');
            w.Text("code="); w.Number((uint)(destinationPort & 0xff)); w.Char(' ');
            w.Text("id="); w.Number(sourcePort); w.Char(' ');
        }
        else if (entry.Protocol == 47)
        {
            w.Text("srckey=0x"); w.Hex(sourcePort); w.Char(' ');
            w.Text("dstkey=0x"); w.Hex(destinationPort); w.Char(' ');
        }
        else if (FilterNames.HasPorts(entry.Protocol))
        {
            w.Text("sport="); w.Number(sourcePort); w.Char(' ');
            w.Text("dport="); w.Number(destinationPort); w.Char(' ');
        }
    }

    private static void Counters(ref LineWriter w, ulong packets, ulong bytes)
    {
        w.Text("packets="); w.Number(packets); w.Char(' ');
        w.Text("bytes="); w.Number(bytes); w.Char(' ');
    }

    private static void Address(ref LineWriter w, ref readonly FlowEntry entry, IIPv6Addresses addresses, uint stored)
    {
        if (!entry.IsIPv6)
        {
            w.Number(stored >> 24); w.Char('.'); w.Number((stored >> 16) & 0xff); w.Char('.');
            w.Number((stored >> 8) & 0xff); w.Char('.'); w.Number(stored & 0xff);
            return;
        }
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, addresses.GetIPv6(stored));
        w.Address(new IPAddress(bytes));
    }

    private ref struct LineWriter(Span<char> buffer)
    {
        private readonly Span<char> _buffer = buffer;
        public int Length { get; private set; }

        public void Char(char c) => _buffer[Length++] = c;
        public void Text(string s) { s.AsSpan().CopyTo(_buffer[Length..]); Length += s.Length; }
        public void Upper(string s) { Length += s.AsSpan().ToUpperInvariant(_buffer[Length..]); }
        public void Pad(string s, int width) { Text(s); for (var i = s.Length; i < width; i++) Char(' '); }
        public void Number(ulong value) { value.TryFormat(_buffer[Length..], out var n, default, System.Globalization.CultureInfo.InvariantCulture); Length += n; }
        public void Hex(ushort value) { value.TryFormat(_buffer[Length..], out var n, "x", System.Globalization.CultureInfo.InvariantCulture); Length += n; }
        public void Address(IPAddress address) { address.TryFormat(_buffer[Length..], out var n); Length += n; }
    }
}
