using System.Threading.Channels;
using NatGateway.Conntrack.Mirror;

namespace NatGateway.Conntrack.Mirror.Tests.Mirror;

/// <summary>
/// A pretend kernel for pure mirror tests: a table of flows, and an event queue fed by its changes. Events are
/// delivered in batches (one batch = one datagram); "losing" events changes the table silently and queues an ENOBUFS.
/// </summary>
internal sealed class FakeConntrackSource : IConntrackMirrorSource
{
    private readonly object _gate = new();
    private readonly Dictionary<uint, Flow> _table = new();
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>();
    private int _failuresToInject;

    public int DumpCount { get; private set; }
    public int OpenCount { get; private set; }

    /// <summary>When set, a dump blocks on it after reading the table (so tests can query mid-resync).</summary>
    public ManualResetEventSlim? DumpGate { get; set; }
    public ManualResetEventSlim DumpStarted { get; } = new();
    /// <summary>Dumps that throw DumpInterruptedException before succeeding.</summary>
    public int InterruptedDumps { get; set; }

    private sealed record LostMarker;

    public FakeConntrackSource(IEnumerable<Flow> initial)
    {
        foreach (var flow in initial) _table[flow.Id] = flow;
    }

    public IReadOnlyList<Flow> Snapshot()
    {
        lock (_gate) return _table.Values.OrderBy(f => f.Id).ToList();
    }

    /// <summary>Changes the table and queues the events in one datagram.</summary>
    public void Apply(params FlowEvent[] events)
    {
        lock (_gate)
        {
            foreach (var e in events)
            {
                if (e.Type == FlowEventType.Destroy) _table.Remove(e.Flow.Id);
                else _table[e.Flow.Id] = e.Flow;
            }
            _events.Writer.TryWrite(events);
        }
    }

    public void Create(Flow flow) => Apply(new FlowEvent(FlowEventType.New, flow));
    public void Update(Flow flow) => Apply(new FlowEvent(FlowEventType.Update, flow));
    public void Destroy(uint id)
    {
        Flow flow;
        lock (_gate) flow = _table[id];
        Apply(new FlowEvent(FlowEventType.Destroy, flow));
    }

    /// <summary>Changes the table but the events never arrive: the queue overflowed (ENOBUFS).</summary>
    public void LoseEvents(Action<Dictionary<uint, Flow>> silentChange)
    {
        lock (_gate)
        {
            silentChange(_table);
            _events.Writer.TryWrite(new LostMarker());
        }
    }

    /// <summary>Changes the table without any event and without a loss signal (entries that carry no event extension).</summary>
    public void ChangeSilently(Action<Dictionary<uint, Flow>> silentChange)
    {
        lock (_gate) silentChange(_table);
    }

    /// <summary>The next <paramref name="count"/> dumps throw an I/O error (a broken source).</summary>
    public void FailNextDumps(int count) => Interlocked.Exchange(ref _failuresToInject, count);

    public IFlowEventStream OpenEvents()
    {
        OpenCount++;
        return new Stream(this);
    }

    public void Dump(FlowHandler onFlow, CancellationToken cancellationToken)
    {
        DumpCount++;
        if (Interlocked.Decrement(ref _failuresToInject) >= 0) throw new IOException("pretend netlink failure");
        List<Flow> flows;
        lock (_gate) flows = _table.Values.ToList();
        DumpStarted.Set();
        DumpGate?.Wait(cancellationToken);
        if (InterruptedDumps > 0)
        {
            InterruptedDumps--;
            foreach (var flow in flows.Take(flows.Count / 2)) onFlow(in flow);
            throw new NatGateway.Netlink.DumpInterruptedException();
        }
        foreach (var flow in flows) onFlow(in flow);
    }

    private sealed class Stream(FakeConntrackSource source) : IFlowEventStream
    {
        public async ValueTask<int> ReceiveAsync(FlowEventHandler handler, CancellationToken cancellationToken)
        {
            var item = await source._events.Reader.ReadAsync(cancellationToken);
            if (item is LostMarker) throw new EventsLostException();
            var events = (FlowEvent[])item;
            foreach (var e in events) handler(in e);
            return events.Length;
        }

        public int ReceivePending(FlowEventHandler handler)
        {
            if (!source._events.Reader.TryRead(out var item)) return 0;
            if (item is LostMarker) throw new EventsLostException();
            var events = (FlowEvent[])item;
            foreach (var e in events) handler(in e);
            return events.Length;
        }

        public void Dispose()
        {
        }
    }
}
