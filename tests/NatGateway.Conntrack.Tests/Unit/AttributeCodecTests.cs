using NatGateway.Netlink;
using Xunit;

namespace NatGateway.Conntrack.Tests.Unit;

public sealed class AttributeCodecTests
{
    [Fact]
    public void Nested_scope_fills_length_and_sets_nested_flag()
    {
        var w = new AttributeWriter();
        using (w.Nested(1))
        {
            w.UInt8(2, 7);
            w.UInt32BigEndian(3, 0x01020304);
        }
        Assert.Equal("14000180" + "05000200" + "07000000" + "08000300" + "01020304", Convert.ToHexString(w.WrittenSpan).ToLowerInvariant()[..40]);
        Assert.Equal(20, w.Length);
    }

    [Fact]
    public void Reader_strips_flag_bits_and_walks_nested()
    {
        // type 1 with NLA_F_NESTED, inner type 5 with NLA_F_NET_BYTEORDER, 2-byte payload + padding.
        var bytes = Convert.FromHexString("0C000180" + "06000540" + "12340000");
        var a = new AttributeReader(bytes);
        Assert.True(a.Next());
        Assert.Equal(1, a.Type);
        Assert.True(a.IsNestedFlagSet);
        var inner = a.Nested();
        Assert.True(inner.Next());
        Assert.Equal(5, inner.Type);
        Assert.Equal(0x4005, inner.RawType);
        Assert.Equal(0x1234, inner.UInt16BigEndian());
        Assert.False(inner.Next());
        Assert.Null(inner.Error);
        Assert.False(a.Next());
        Assert.Null(a.Error);
    }

    [Theory]
    [InlineData("0300", "truncated attribute header")]          // 2 bytes left
    [InlineData("03000100", "attribute length 3 invalid")]       // length below header size
    [InlineData("FF000100AABB", "attribute length 255 invalid")] // length beyond buffer
    public void Reader_sets_sticky_error_on_malformed_input(string hex, string expected)
    {
        var a = new AttributeReader(Convert.FromHexString(hex));
        Assert.False(a.Next());
        Assert.Contains(expected, a.Error);
        Assert.False(a.Next());
    }

    [Fact]
    public void Wrong_size_accessor_sets_error_and_stops_iteration()
    {
        var w = new AttributeWriter();
        w.UInt8(1, 1);
        w.UInt8(2, 2);
        var a = new AttributeReader(w.WrittenSpan);
        Assert.True(a.Next());
        Assert.Equal(0u, a.UInt32BigEndian());
        Assert.Contains("expected 4 bytes, got 1", a.Error);
        Assert.False(a.Next());
    }

    [Fact]
    public void Message_reader_rejects_lying_message_length()
    {
        var bytes = new byte[32];
        new NetlinkMessageHeader(64, 0x100, NetlinkMessageFlags.Multi, 1, 0).Write(bytes);
        var r = new NetlinkMessageReader(bytes);
        Assert.False(r.Next());
        Assert.Contains("length 64 invalid", r.Error);
    }
}
