using NatGateway.Conntrack.Tests.NetlinkTest;
using NatGateway.Netlink;
using Xunit;
using static NatGateway.Conntrack.Tests.NetlinkTest.ConntrackReplies;
using static NatGateway.Conntrack.Tests.NetlinkTest.NetlinkReplies;

namespace NatGateway.Conntrack.Tests.Unit;

/// <summary>ConntrackListener (conntrack -E) against <see cref="FakeNetlinkSocket"/>: captured entries replayed as
/// multicast events, and ENOBUFS as the kernel reports a receive-queue overflow.</summary>
public sealed class ListenerFakeSocketTests
{
    [Fact]
    public void ENOBUFS_surfaces_as_EventsLost_once_and_the_listener_keeps_working()
    {
        var socket = new FakeNetlinkSocket();
        var events = new List<FlowEvent>();
        using (var listener = new ConntrackListener(socket, FlowEventGroups.All, receiveBufferBytes: 4096))
        {
            socket.Push(Datagram(Event(Corpus.Icmp, FlowEventType.New), Event(Corpus.TcpEstablished, FlowEventType.Update)));
            socket.PushError(Errno.ENOBUFS);
            socket.Push(Datagram(Event(Corpus.UdpSourceNat, FlowEventType.Destroy)));

            Assert.Equal(2, listener.Receive((in FlowEvent e) => events.Add(e), TimeSpan.Zero));
            Assert.Throws<EventsLostException>(() => listener.Receive((in FlowEvent e) => events.Add(e), TimeSpan.Zero));
            Assert.Equal(1, listener.EventsLost);
            Assert.Equal(1, listener.Receive((in FlowEvent e) => events.Add(e), TimeSpan.Zero));
            Assert.Equal(0, listener.Receive((in FlowEvent e) => events.Add(e), TimeSpan.Zero)); // nothing queued: timeout

            Assert.Equal([FlowEventType.New, FlowEventType.Update, FlowEventType.Destroy], events.Select(e => e.Type));
            Assert.Equal([1u, 6u, 17u], events.Select(e => (uint)e.Flow.Protocol));
            Assert.Equal(3, listener.EventsReceived);
            Assert.Equal(8192, listener.ReceiveBufferSize); // as SO_RCVBUF reports: twice the request
        }
        Assert.True(socket.Disposed);
    }

    [Fact]
    public async Task ListenAsync_calls_onEventsLost_and_goes_on_listening()
    {
        var socket = new FakeNetlinkSocket();
        using var listener = new ConntrackListener(socket, FlowEventGroups.New);
        socket.Push(Event(Corpus.Icmp, FlowEventType.New));
        socket.PushError(Errno.ENOBUFS);
        socket.Push(Event(Corpus.IcmpV6, FlowEventType.New));
        using var stop = new CancellationTokenSource();
        var received = new List<FlowEvent>();
        var lost = 0;

        await listener.ListenAsync((in FlowEvent e) =>
        {
            received.Add(e);
            if (received.Count == 2) stop.Cancel();
        }, stop.Token, () => lost++).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, lost);
        Assert.Equal([IPFamily.IPv4, IPFamily.IPv6], received.Select(e => e.Flow.Original.Family));
    }

    [Fact]
    public async Task ReceiveAsync_throws_EventsLost_without_a_handler_for_it()
    {
        var socket = new FakeNetlinkSocket();
        using var listener = new ConntrackListener(socket, FlowEventGroups.All);
        socket.PushError(Errno.ENOBUFS);

        await Assert.ThrowsAsync<EventsLostException>(async () => await listener.ReceiveAsync((in FlowEvent _) => { }, CancellationToken.None));
        Assert.Equal(1, listener.EventsLost);
    }

    [Fact]
    public void Other_receive_errors_are_not_mistaken_for_lost_events()
    {
        var socket = new FakeNetlinkSocket();
        using var listener = new ConntrackListener(socket, FlowEventGroups.All);
        socket.PushError(Errno.EBADF);

        var e = Assert.Throws<NetlinkException>(() => listener.Receive((in FlowEvent _) => { }, TimeSpan.Zero));
        Assert.Equal((Errno.EBADF, "netlink receive"), (e.Errno, e.Operation));
        Assert.Equal(0, listener.EventsLost);
    }
}
