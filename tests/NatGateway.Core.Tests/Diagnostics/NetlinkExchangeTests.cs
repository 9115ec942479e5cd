using System.Buffers.Binary;
using NatGateway.Netlink;
using NatGateway.Netlink.Ethtool;
using NatGateway.Netlink.Generic;
using NatGateway.Netlink.Route;
using Xunit;

namespace NatGateway.Core.Tests.Diagnostics;

/// <summary>The ethtool and rtnetlink clients over a scripted socket (no kernel, no root): family resolution, errors that
/// name the operation and the device, a dump retried after NLM_F_DUMP_INTR.</summary>
public sealed class NetlinkExchangeTests
{
    private const uint Port = 77;

    /// <summary>Answers each sent request with the datagrams its script returns for (request header, payload).</summary>
    private sealed class ScriptedSocket(Func<NetlinkMessageHeader, byte[], IEnumerable<byte[]>> answer) : INetlinkSocket
    {
        private readonly Queue<byte[]> _pending = new();
        private uint _sequence;
        public List<NetlinkMessageHeader> Sent { get; } = [];
        public uint PortId => Port;
        public uint NextSequence() => ++_sequence;
        public void Send(ReadOnlySpan<byte> datagram)
        {
            var header = NetlinkMessageHeader.Read(datagram);
            Sent.Add(header);
            foreach (var reply in answer(header, datagram[NetlinkMessageHeader.Size..(int)header.Length].ToArray())) _pending.Enqueue(reply);
        }
        public int Receive(Span<byte> buffer)
        {
            if (!_pending.TryDequeue(out var next)) throw new InvalidOperationException("no reply scripted");
            next.CopyTo(buffer);
            return next.Length;
        }
        public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) => ValueTask.FromResult(Receive(buffer.Span));
        public bool WaitReadable(TimeSpan timeout) => _pending.Count > 0;
        public int SetReceiveBufferSize(int bytes) => bytes;
        public int SetSendBufferSize(int bytes) => bytes;
        public int ReceiveBufferSize => 1 << 20;
        public void Dispose() { }
    }

    private static byte[] Message(ushort type, uint sequence, Action<AttributeWriter> body, NetlinkMessageFlags flags = NetlinkMessageFlags.None)
    {
        var w = new AttributeWriter();
        w.BeginMessage(type, flags, sequence, Port);
        body(w);
        w.EndMessage();
        return w.WrittenSpan.ToArray();
    }

    private static byte[] Error(NetlinkMessageHeader request, int errno) => Message((ushort)NetlinkMessageType.Error, request.Sequence, w =>
    {
        var payload = new byte[4 + NetlinkMessageHeader.Size];
        BinaryPrimitives.WriteInt32LittleEndian(payload, -errno);
        request.Write(payload.AsSpan(4));
        w.WriteRaw(payload);
    });

    private static byte[] Done(uint sequence) => Message((ushort)NetlinkMessageType.Done, sequence, w => w.WriteRaw([0, 0, 0, 0]), NetlinkMessageFlags.Multi);

    [Fact]
    public void An_unknown_device_is_an_error_naming_the_operation_and_the_device()
    {
        var socket = new ScriptedSocket((header, _) => header.Type switch
        {
            GenericNetlink.ControllerFamilyId =>
            [
                Message(GenericNetlink.ControllerFamilyId, header.Sequence, w =>
                {
                    GenericNetlink.WriteHeader(w, 1, 2); // CTRL_CMD_NEWFAMILY
                    w.String(GenericNetlink.AttributeFamilyName, "ethtool");
                    w.Bytes(GenericNetlink.AttributeFamilyId, [0x14, 0]);
                }).Concat(Error(header, 0)).ToArray(),
            ],
            0x14 => [Error(header, (int)Errno.ENODEV)],
            _ => throw new InvalidOperationException($"unexpected type {header.Type}"),
        });
        using var client = new EthtoolClient(socket);

        var e = Assert.Throws<NetlinkException>(() => client.GetFeatures("eth9"));

        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.Equal("ethtool features get eth9", e.Operation);
        Assert.Equal([GenericNetlink.ControllerFamilyId, (ushort)0x14], socket.Sent.Select(h => h.Type));
    }

    [Fact]
    public void A_missing_ethtool_family_names_the_family()
    {
        using var client = new EthtoolClient(new ScriptedSocket((header, _) => [Error(header, (int)Errno.ENOENT)]));
        var e = Assert.Throws<NetlinkException>(() => client.DumpFeatures());
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("\"ethtool\"", e.Message);
    }

    [Fact]
    public void An_interrupted_link_dump_is_sent_again()
    {
        var dumps = 0;
        var socket = new ScriptedSocket((header, _) =>
        {
            var flags = NetlinkMessageFlags.Multi | (++dumps == 1 ? NetlinkMessageFlags.DumpInterrupted : NetlinkMessageFlags.None);
            var link = Message((ushort)RouteMessageType.NewLink, header.Sequence, w =>
            {
                var ifinfo = new byte[RouteLink.HeaderSize];
                BinaryPrimitives.WriteInt32LittleEndian(ifinfo.AsSpan(4), 3);
                w.WriteRaw(ifinfo);
                w.String((ushort)LinkAttribute.IfName, "eth0");
            }, flags);
            return [link.Concat(Done(header.Sequence)).ToArray()];
        });
        using var client = new RouteClient(socket);

        var links = client.DumpLinks();

        Assert.Equal(2, socket.Sent.Count);
        Assert.Equal((3, "eth0"), (Assert.Single(links).Index, links[0].Name));
    }
}
