using NatGateway.Conntrack.Tests.Support;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Conntrack.Tests.Kernel;

public sealed class ListenerKernelTests
{
    [KernelFact]
    public void Sees_new_and_destroy_for_entries_made_by_ctnetlink()
    {
        using var ns = new ConntrackNamespace();
        using var listener = ns.Listener(FlowEventGroups.New | FlowEventGroups.Destroy);
        using var client = ns.Client();
        var flow = Flows.Tcp("10.9.0.1", 1000, "10.9.0.2", 80);
        client.Create(flow);
        Assert.True(client.Delete(flow.Original));

        var events = new List<FlowEvent>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (events.Count < 2 && DateTime.UtcNow < deadline)
            listener.Receive((in FlowEvent e) => events.Add(e), TimeSpan.FromMilliseconds(200));

        Assert.Equal([FlowEventType.New, FlowEventType.Destroy], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(flow.Original, e.Flow.Original with { Zone = null }));
        Assert.Equal(2, listener.EventsReceived);
        Assert.Equal(0, listener.EventsLost);
    }

    [KernelFact]
    public void Overflow_is_reported_as_events_lost_and_listening_continues()
    {
        using var ns = new ConntrackNamespace();
        // A deliberately tiny queue: 3000 NEW events cannot fit, so the kernel drops some and flags ENOBUFS.
        using var listener = NetworkNamespace.RunIn(ns.Name, () => new ConntrackListener(FlowEventGroups.New, receiveBufferBytes: 4096));
        using var client = ns.Client();
        Assert.Equal(3000, client.CreateMany(Flows.ManyUdp(3000)).Succeeded);

        var received = 0;
        var lost = false;
        while (true)
        {
            try
            {
                if (listener.Receive((in FlowEvent _) => received++, TimeSpan.FromMilliseconds(200)) == 0) break;
            }
            catch (EventsLostException)
            {
                lost = true;
            }
        }
        Assert.True(lost);
        Assert.True(listener.EventsLost >= 1);
        Assert.InRange(received, 1, 2999);

        // Still usable after the loss.
        client.Create(Flows.Udp("10.99.0.1", 1, "10.99.0.2", 2));
        var after = new List<FlowEvent>();
        listener.Receive((in FlowEvent e) => after.Add(e), TimeSpan.FromSeconds(2));
        Assert.Equal(NetAddress.Parse("10.99.0.1"), Assert.Single(after).Flow.Original.Source);
    }

    [KernelFact]
    public async Task Async_receive_reports_loss_too()
    {
        using var ns = new ConntrackNamespace();
        using var listener = NetworkNamespace.RunIn(ns.Name, () => new ConntrackListener(FlowEventGroups.New, receiveBufferBytes: 4096));
        using var client = ns.Client();
        client.CreateMany(Flows.ManyUdp(3000));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = 0;
        await Assert.ThrowsAsync<EventsLostException>(async () =>
        {
            while (true) await listener.ReceiveAsync((in FlowEvent _) => received++, cancel.Token);
        });
        Assert.Equal(1, listener.EventsLost);
    }
}
