using Xunit;
using System.Buffers.Binary;
using NatGateway.Agent.Protocol;

namespace NatGateway.Agent.Tests.Unit;

public sealed class FrameCodecTests
{
    [Fact]
    public void Frames_round_trip_in_order()
    {
        using var stream = new MemoryStream();
        var big = new byte[3 << 20];
        new Random(1).NextBytes(big);
        FrameCodec.Write(stream, FrameType.Request, "{\"op\":\"natListText\"}"u8);
        FrameCodec.Write(stream, FrameType.DumpBegins, []);
        FrameCodec.Write(stream, FrameType.DumpData, big);
        stream.Position = 0;

        var first = FrameCodec.Read(stream)!.Value;
        Assert.Equal(FrameType.Request, first.Type);
        Assert.Equal("{\"op\":\"natListText\"}"u8.ToArray(), first.Payload.ToArray());
        var marker = FrameCodec.Read(stream)!.Value;
        Assert.Equal(FrameType.DumpBegins, marker.Type);
        Assert.True(marker.Payload.IsEmpty);
        Assert.Equal(big, FrameCodec.Read(stream)!.Value.Payload.ToArray());
        Assert.Null(FrameCodec.Read(stream)); // clean end between frames
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(AgentProtocol.MaxFrameBytes + 1)]
    [InlineData(int.MaxValue)]
    public void A_length_outside_the_cap_is_refused_before_allocating(int length)
    {
        var header = new byte[5];
        BinaryPrimitives.WriteInt32LittleEndian(header, length);
        header[4] = (byte)FrameType.Request;
        var e = Assert.Throws<FrameTooLargeException>(() => FrameCodec.Read(new MemoryStream(header)));
        Assert.Equal(length, e.Length);
    }

    [Fact]
    public void Writing_a_frame_above_the_cap_throws()
    {
        var payload = new byte[AgentProtocol.MaxFrameBytes];
        Assert.Throws<FrameTooLargeException>(() => FrameCodec.Write(Stream.Null, FrameType.DumpData, payload));
    }

    [Fact]
    public void Truncated_header_and_payload_are_end_of_stream()
    {
        Assert.Throws<EndOfStreamException>(() => FrameCodec.Read(new MemoryStream([10, 0, 0])));
        using var stream = new MemoryStream();
        FrameCodec.Write(stream, FrameType.Request, new byte[100]);
        var cut = stream.ToArray()[..50];
        Assert.Throws<EndOfStreamException>(() => FrameCodec.Read(new MemoryStream(cut)));
    }
}
