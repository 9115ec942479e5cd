using System.Threading.Channels;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Core.Kernel;
using NatGateway.Conntrack.Mirror.Query;

namespace NatGateway.Web.Tests.Conntrack;

/// <summary>
/// A synthetic conntrack table for page tests (pure UI, no kernel): the mirror reads it through its source interface
/// (a dump plus an event stream), and deletes remove entries and send DESTROY events like the kernel does.
/// </summary>
public sealed class FakeConntrackTable : IConntrackKernel
{
    private readonly Lock _gate = new();
    private readonly List<Flow> _flows = new();
    private readonly Channel<FlowEvent> _events = Channel.CreateUnbounded<FlowEvent>();
    private uint _nextId = 1000;

    public uint Max { get; set; } = 1000;

    /// <summary>Per-CPU counters returned by the next stats read (the test moves them to make rates).</summary>
    public CpuStats[] Cpus { get; set; } = [new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), new(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)];

    public int Entries { get { lock (_gate) return _flows.Count; } }

    /// <summary>Deletes send no DESTROY event, like the kernel for entries made before any listener existed
    /// (nf_conntrack_events=2).</summary>
    public bool SilentDeletes { get; set; }

    private readonly ManualResetEventSlim _dumpsAllowed = new(true);

    /// <summary>Holds the mirror's dumps (a resync of a big table takes seconds) until <see cref="ReleaseDumps"/>.</summary>
    public void HoldDumps() => _dumpsAllowed.Reset();

    public void ReleaseDumps() => _dumpsAllowed.Set();

    public IReadOnlyList<Flow> Snapshot() { lock (_gate) return _flows.ToList(); }

    /// <summary>Adds an entry (and a NEW event for a running mirror); returns it with its id.</summary>
    public Flow Add(Flow flow)
    {
        lock (_gate)
        {
            flow.Id = _nextId++;
            flow.Present |= FlowFields.Id;
            _flows.Add(flow);
        }
        _events.Writer.TryWrite(new FlowEvent(FlowEventType.New, flow));
        return flow;
    }

    public static Flow Udp(string source, ushort sourcePort, string destination, ushort destinationPort, uint timeout = 30) =>
        Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp, source, sourcePort, destination, destinationPort), timeout, FlowStatus.Confirmed);

    /// <summary>A TCP flow source-NATed to <paramref name="translatedSource"/>:<paramref name="translatedPort"/>, as masquerade makes it.</summary>
    public static Flow TcpSnat(string source, ushort sourcePort, string destination, ushort destinationPort,
        string translatedSource, ushort translatedPort, uint mark)
    {
        var flow = Flow.ForCreate(FlowTuple.Create(IPProtocol.Tcp, source, sourcePort, destination, destinationPort), 400,
            FlowStatus.Confirmed | FlowStatus.Assured | FlowStatus.SeenReply | FlowStatus.SourceNat | FlowStatus.SourceNatDone, mark);
        flow.Reply = FlowTuple.Create(IPProtocol.Tcp, destination, destinationPort, translatedSource, translatedPort);
        return flow;
    }

    public IConntrackMirrorSource OpenMirrorSource() => new Source(this);

    public ConntrackTableStats ReadTableStats() => new((uint)Entries, Max);

    public IReadOnlyList<CpuStats> ReadCpuStats() => Cpus;

    public long Dump(FlowHandler onFlow, IPFamily family = IPFamily.Any, DumpFilter? filter = null)
    {
        var flows = Snapshot();
        foreach (var f in flows) onFlow(in f);
        return flows.Count;
    }

    public long Count(IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null) => Dump(static (in Flow _) => { }, family, kernelFilter);

    public IFlowEventStream OpenEvents(FlowEventGroups groups) =>
        throw new NotSupportedException("page tests read events through the mirror source");

    public int Delete(IPFamily family, DumpFilter? kernelFilter, FlowFilter? filter) => DeleteWhere(kernelFilter, filter is null || filter.IsAll ? null : filter.ToPredicate(), family);

    private int DeleteWhere(DumpFilter? kernelFilter, Func<Flow, bool>? predicate, IPFamily family) =>
        Remove(f => (kernelFilter is null || kernelFilter.Matches(f)) && (predicate is null || predicate(f)));

    public int DeleteFlows(IReadOnlyList<Flow> flows)
    {
        var ids = flows.Select(f => f.Id).ToHashSet();
        return Remove(f => ids.Contains(f.Id));
    }

    public void Flush(IPFamily family) => Remove(_ => true);

    private int Remove(Func<Flow, bool> victim)
    {
        List<Flow> removed;
        lock (_gate)
        {
            removed = _flows.Where(victim).ToList();
            _flows.RemoveAll(f => victim(f));
        }
        if (!SilentDeletes)
            foreach (var f in removed) _events.Writer.TryWrite(new FlowEvent(FlowEventType.Destroy, f));
        return removed.Count;
    }

    private sealed class Source(FakeConntrackTable table) : IConntrackMirrorSource, IFlowEventStream
    {
        public IFlowEventStream OpenEvents() => this;

        public void Dump(FlowHandler onFlow, CancellationToken cancellationToken)
        {
            table._dumpsAllowed.Wait(cancellationToken);
            table.Dump(onFlow);
        }

        public async ValueTask<int> ReceiveAsync(FlowEventHandler handler, CancellationToken cancellationToken)
        {
            var e = await table._events.Reader.ReadAsync(cancellationToken);
            handler(in e);
            return 1;
        }

        public int ReceivePending(FlowEventHandler handler)
        {
            if (!table._events.Reader.TryRead(out var e)) return 0;
            handler(in e);
            return 1;
        }

        public void Dispose()
        {
        }
    }
}
