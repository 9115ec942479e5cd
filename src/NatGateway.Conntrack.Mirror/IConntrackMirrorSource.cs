using NatGateway.Netlink;

namespace NatGateway.Conntrack.Mirror;

/// <summary>
/// Where the mirror gets the table from: a dump (<c>conntrack -L</c>) and an event stream (<c>conntrack -E</c>).
/// The real one is <see cref="ConntrackClientSource"/>; unit tests feed synthetic flows and events through this interface.
/// </summary>
public interface IConntrackMirrorSource
{
    /// <summary>Opens (or reuses) the event subscription. The mirror calls it before dumping, so no change falls between the two.</summary>
    IFlowEventStream OpenEvents();

    /// <summary>Dumps the whole table, calling <paramref name="onFlow"/> per entry. May throw
    /// <see cref="DumpInterruptedException"/> (NLM_F_DUMP_INTR); the mirror then dumps again.</summary>
    void Dump(FlowHandler onFlow, CancellationToken cancellationToken);
}

/// <summary>A stream of conntrack events.</summary>
public interface IFlowEventStream : IDisposable
{
    /// <summary>Waits for the next batch of events (one netlink datagram) and hands each to <paramref name="handler"/>;
    /// returns how many. Throws <see cref="EventsLostException"/> when events were dropped (ENOBUFS): the stream stays
    /// usable, but the mirror must dump again.</summary>
    ValueTask<int> ReceiveAsync(FlowEventHandler handler, CancellationToken cancellationToken);

    /// <summary>Receives one batch only if one is already waiting (never blocks); returns 0 when none is.
    /// The mirror drains the stream this way before a dump, so events older than the dump are not replayed over it.
    /// May throw <see cref="EventsLostException"/> like <see cref="ReceiveAsync"/>.</summary>
    int ReceivePending(FlowEventHandler handler);
}
