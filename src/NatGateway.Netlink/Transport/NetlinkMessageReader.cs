namespace NatGateway.Netlink;

/// <summary>Walks the messages packed in one received datagram. Stops at the first malformed header
/// and reports it through <see cref="Error"/> (sticky), never reading past the buffer.</summary>
public ref struct NetlinkMessageReader
{
    private ReadOnlySpan<byte> _remaining;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram)
    {
        _remaining = datagram;
        Error = null;
        Header = default;
        Payload = default;
    }

    public NetlinkMessageHeader Header { get; private set; }

    /// <summary>The message body after the 16-byte header.</summary>
    public ReadOnlySpan<byte> Payload { get; private set; }

    /// <summary>Why reading stopped early, or null.</summary>
    public string? Error { get; private set; }

    public bool Next()
    {
        if (Error is not null || _remaining.IsEmpty) return false;
        if (_remaining.Length < NetlinkMessageHeader.Size)
        {
            Error = $"truncated netlink header: {_remaining.Length} bytes left";
            return false;
        }
        var header = NetlinkMessageHeader.Read(_remaining);
        if (header.Length < NetlinkMessageHeader.Size || header.Length > (uint)_remaining.Length)
        {
            Error = $"netlink message length {header.Length} invalid with {_remaining.Length} bytes left";
            return false;
        }
        Header = header;
        Payload = _remaining[NetlinkMessageHeader.Size..(int)header.Length];
        var advance = NetlinkMessageHeader.Align((int)header.Length);
        _remaining = advance >= _remaining.Length ? default : _remaining[advance..];
        return true;
    }
}
