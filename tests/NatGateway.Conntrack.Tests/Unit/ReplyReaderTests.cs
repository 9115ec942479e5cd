using System.Buffers.Binary;
using System.Text;
using NatGateway.Netlink;
using Xunit;

namespace NatGateway.Conntrack.Tests.Unit;

public sealed class ReplyReaderTests
{
    private const uint Port = 4242;

    private static byte[] ErrorMessage(uint seq, int error, string? extAck, bool capped = true)
    {
        var w = new AttributeWriter();
        var flags = capped ? NetlinkMessageFlags.Capped : NetlinkMessageFlags.None;
        if (extAck is not null) flags |= NetlinkMessageFlags.AckTlvs;
        w.BeginMessage((ushort)NetlinkMessageType.Error, flags, seq, Port);
        var body = new byte[4 + 16];
        BinaryPrimitives.WriteInt32LittleEndian(body, error);
        new NetlinkMessageHeader(40, 0x100, NetlinkMessageFlags.Request, seq, Port).Write(body.AsSpan(4));
        w.WriteRaw(body);
        if (extAck is not null) w.Bytes((ushort)NetlinkErrorAttribute.Message, Encoding.UTF8.GetBytes(extAck + "\0"));
        w.EndMessage();
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void Error_carries_errno_and_extended_ack_message()
    {
        var bytes = ErrorMessage(7, -22, "missing timeout");
        var r = new ReplyReader(bytes, 7, 7, Port);
        Assert.True(r.Next());
        Assert.Equal(ReplyKind.Error, r.Kind);
        var e = r.ToException("conntrack create");
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal("EINVAL", e.ErrnoName);
        Assert.Equal("missing timeout", e.ExtendedAckMessage);
        Assert.Equal("conntrack create: netlink error EINVAL (22): missing timeout", e.Message);
    }

    [Fact]
    public void Zero_error_is_an_ack()
    {
        var r = new ReplyReader(ErrorMessage(9, 0, null), 9, 9, Port);
        Assert.True(r.Next());
        Assert.Equal(ReplyKind.Ack, r.Kind);
    }

    [Fact]
    public void Stale_sequence_numbers_are_skipped()
    {
        var bytes = ErrorMessage(3, -2, null).Concat(ErrorMessage(10, 0, null)).ToArray();
        var r = new ReplyReader(bytes, 10, 10, Port);
        Assert.True(r.Next());
        Assert.Equal(ReplyKind.Ack, r.Kind);
        Assert.Equal(10u, r.Header.Sequence);
        Assert.False(r.Next());
    }

    [Fact]
    public void Foreign_port_is_rejected()
    {
        var bytes = ErrorMessage(10, 0, null);
        Assert.Throws<NetlinkParseException>(() =>
        {
            var r = new ReplyReader(bytes, 10, 10, Port + 1);
            r.Next();
        });
    }

    [Fact]
    public void Dump_interrupted_flag_and_done_error_are_surfaced()
    {
        var w = new AttributeWriter();
        w.BeginMessage(0x100, NetlinkMessageFlags.Multi | NetlinkMessageFlags.DumpInterrupted, 5, Port);
        w.WriteRaw([2, 0, 0, 0]);
        w.EndMessage();
        w.BeginMessage((ushort)NetlinkMessageType.Done, NetlinkMessageFlags.Multi, 5, Port);
        var code = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(code, -(int)Errno.ENOBUFS);
        w.WriteRaw(code);
        w.EndMessage();
        var r = new ReplyReader(w.WrittenSpan, 5, 5, Port);
        Assert.True(r.Next());
        Assert.Equal(ReplyKind.Data, r.Kind);
        Assert.True(r.SawDumpInterrupted);
        Assert.True(r.Next());
        Assert.Equal(ReplyKind.Error, r.Kind);
        Assert.Equal(Errno.ENOBUFS, r.Errno);
    }
}
