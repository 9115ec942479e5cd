namespace NatGateway.Conntrack;

/// <summary>
/// Text for flows in the layout of <c>conntrack -L -o extended</c> (libnetfilter_conntrack's default
/// snprintf with the l3 family prefix), e.g.
/// <c>ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1000 dport=80 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1000 [ASSURED] mark=0 use=1</c>.
/// Formatting into a span avoids per-line allocations when listing a million entries.
/// </summary>
public static class FlowFormatter
{
    private static readonly string[] SctpStates =
        ["NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED", "SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT", "HEARTBEAT_ACKED"];

    private static readonly string[] DccpStates =
        ["NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ", "CLOSING", "TIMEWAIT", "IGNORE", "INVALID"];

    /// <summary>One line like <c>conntrack -L -o extended</c> (with <paramref name="includeId"/>: <c>-o extended,id</c>).</summary>
    /// <param name="flow">The flow.</param>
    /// <param name="includeId">Append id= as -o extended,id does.</param>
    /// <param name="now">Clock for delta-time (seconds since the flow started, printed when timestamps are on); default: now.</param>
    public static string ToExtendedText(in Flow flow, bool includeId = false, DateTimeOffset? now = null)
    {
        Span<char> buffer = stackalloc char[1024];
        var written = Format(flow, buffer, includeId, now);
        return new string(buffer[..written]);
    }

    /// <summary>Formats into <paramref name="destination"/> (1024 chars always suffice); returns the length.</summary>
    public static int Format(in Flow flow, Span<char> destination, bool includeId = false, DateTimeOffset? now = null)
    {
        var w = new SpanBuilder(destination);
        var family = flow.Family != IPFamily.Any ? flow.Family : flow.Original.Family;
        w.Padded(family switch { IPFamily.IPv4 => "ipv4", IPFamily.IPv6 => "ipv6", _ => "unknown" }, 8);
        w.Char(' ');
        w.Number((byte)family);
        w.Char(' ');
        w.Padded(flow.Protocol.ConntrackName(), 8);
        w.Char(' ');
        w.Number((byte)flow.Protocol);
        w.Char(' ');
        if ((flow.Present & FlowFields.Timeout) != 0)
        {
            w.Number(flow.Timeout);
            w.Char(' ');
        }
        if ((flow.Present & FlowFields.TcpInfo) != 0 && flow.Protocol == IPProtocol.Tcp)
        {
            w.Text(flow.Tcp.State.ConntrackName());
            w.Char(' ');
        }
        else if ((flow.Present & FlowFields.SctpState) != 0)
        {
            w.Text(flow.SctpState < SctpStates.Length ? SctpStates[flow.SctpState] : "UNKNOWN");
            w.Char(' ');
        }
        else if ((flow.Present & FlowFields.DccpState) != 0)
        {
            w.Text(flow.DccpState < DccpStates.Length ? DccpStates[flow.DccpState] : "UNKNOWN");
            w.Char(' ');
        }
        Tuple(ref w, flow.Original);
        if (flow.Original.Zone is { } zo) { w.Text("zone-orig="); w.Number(zo); w.Char(' '); }
        if ((flow.Present & FlowFields.Counters) != 0) Counters(ref w, flow.OriginalCounters);
        if ((flow.Present & FlowFields.Status) != 0 && (flow.Status & FlowStatus.SeenReply) == 0) w.Text("[UNREPLIED] ");
        Tuple(ref w, flow.Reply);
        if (flow.Reply.Zone is { } zr) { w.Text("zone-reply="); w.Number(zr); w.Char(' '); }
        if ((flow.Present & FlowFields.Counters) != 0) Counters(ref w, flow.ReplyCounters);
        if ((flow.Present & FlowFields.Status) != 0)
        {
            if ((flow.Status & FlowStatus.Assured) != 0) w.Text("[ASSURED] ");
            if ((flow.Status & FlowStatus.HardwareOffload) != 0) w.Text("[HW_OFFLOAD] ");
            else if ((flow.Status & FlowStatus.Offload) != 0) w.Text("[OFFLOAD] ");
        }
        if ((flow.Present & FlowFields.Mark) != 0) { w.Text("mark="); w.Number(flow.Mark); w.Char(' '); }
        if ((flow.Present & FlowFields.SecurityMark) != 0) { w.Text("secmark="); w.Number(flow.SecurityMark); w.Char(' '); }
        if ((flow.Present & FlowFields.Zone) != 0) { w.Text("zone="); w.Number(flow.Zone); w.Char(' '); }
        if ((flow.Present & FlowFields.Timestamp) != 0)
        {
            // libnetfilter_conntrack: (stop, or now) - start, in whole seconds.
            var stopSeconds = (flow.Present & FlowFields.TimestampStop) != 0 && flow.StopNanoseconds != 0
                ? (long)(flow.StopNanoseconds / 1_000_000_000)
                : (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
            w.Text("delta-time=");
            w.Number((ulong)Math.Max(0, stopSeconds - (long)(flow.StartNanoseconds / 1_000_000_000)));
            w.Char(' ');
        }
        if ((flow.Present & FlowFields.Use) != 0) { w.Text("use="); w.Number(flow.Use); w.Char(' '); }
        if (includeId && (flow.Present & FlowFields.Id) != 0) { w.Text("id="); w.Number(flow.Id); w.Char(' '); }
        return w.Length > 0 && destination[w.Length - 1] == ' ' ? w.Length - 1 : w.Length;
    }

    private static void Tuple(ref SpanBuilder w, in FlowTuple t)
    {
        w.Text("src=");
        w.Address(t.Source);
        w.Text(" dst=");
        w.Address(t.Destination);
        w.Char(' ');
        if (t.Protocol == IPProtocol.Gre)
        {
            w.Text("srckey=0x");
            w.Hex(t.SourcePort);
            w.Text(" dstkey=0x");
            w.Hex(t.DestinationPort);
            w.Char(' ');
        }
        else if (t.Protocol.HasPorts())
        {
            w.Text("sport=");
            w.Number(t.SourcePort);
            w.Text(" dport=");
            w.Number(t.DestinationPort);
            w.Char(' ');
        }
        else if (t.Protocol.IsIcmp())
        {
            w.Text("type=");
            w.Number(t.IcmpType);
            w.Text(" code=");
            w.Number(t.IcmpCode);
            w.Text(" id=");
            w.Number(t.IcmpId);
            w.Char(' ');
        }
    }

    private static void Counters(ref SpanBuilder w, FlowCounters c)
    {
        w.Text("packets=");
        w.Number(c.Packets);
        w.Text(" bytes=");
        w.Number(c.Bytes);
        w.Char(' ');
    }

    private ref struct SpanBuilder(Span<char> buffer)
    {
        private readonly Span<char> _buffer = buffer;
        public int Length { get; private set; }

        public void Char(char c) => _buffer[Length++] = c;

        public void Text(string s)
        {
            s.AsSpan().CopyTo(_buffer[Length..]);
            Length += s.Length;
        }

        public void Padded(string s, int width)
        {
            Text(s);
            for (var i = s.Length; i < width; i++) Char(' ');
        }

        public void Number(ulong value)
        {
            value.TryFormat(_buffer[Length..], out var n);
            Length += n;
        }

        public void Hex(ushort value)
        {
            value.TryFormat(_buffer[Length..], out var n, "x");
            Length += n;
        }

        public void Address(NetAddress address)
        {
            address.TryFormat(_buffer[Length..], out var n);
            Length += n;
        }
    }
}
