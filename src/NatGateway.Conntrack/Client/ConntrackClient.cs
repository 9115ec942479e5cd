using System.Buffers.Binary;
using NatGateway.Conntrack.Kernel;
using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;

namespace NatGateway.Conntrack;

/// <summary>
/// Request/response access to the conntrack table over ctnetlink (what conntrack(8) does with -L, -G, -I,
/// -D, -F, -C, -S). The socket belongs to the network namespace of the thread that constructs the client.
/// Not thread-safe: use one client per thread, or serialise calls.
/// </summary>
public sealed class ConntrackClient : IDisposable
{
    private readonly INetlinkSocket _socket;
    private readonly AttributeWriter _writer;
    private readonly byte[] _receiveBuffer;
    private readonly ConntrackClientOptions _options;

    public ConntrackClient() : this(new ConntrackClientOptions()) { }

    public ConntrackClient(ConntrackClientOptions options) : this(NetlinkSocket.Open(NetlinkProtocol.Netfilter), options) { }

    /// <summary>A client over a given socket, e.g. a fake that replays captured kernel replies in unit tests.
    /// The client owns the socket (disposes it) and sizes its buffers from <paramref name="options"/>.</summary>
    public ConntrackClient(INetlinkSocket socket, ConntrackClientOptions? options = null)
    {
        options ??= new ConntrackClientOptions();
        _options = options;
        _socket = socket;
        _socket.SetReceiveBufferSize(options.ReceiveBufferBytes);
        _socket.SetSendBufferSize(options.SendBufferBytes);
        _writer = new AttributeWriter(options.BatchBytes + 4096);
        // A dump datagram is at most 32 KiB (the kernel caps its dump skb); batch replies are small.
        // One buffer is reused for every receive so dumps allocate nothing per datagram.
        _receiveBuffer = GC.AllocateUninitializedArray<byte>(1 << 20);
    }

    /// <summary>The netlink socket's port id (for diagnostics).</summary>
    public uint PortId => _socket.PortId;

    // ---------------------------------------------------------------- dump

    /// <summary>Streams every entry (conntrack -L [-f ipv4|ipv6]), optionally narrowed by the kernel
    /// (see <see cref="DumpFilter"/>). Flows are parsed from one reused buffer as datagrams arrive.
    /// Throws <see cref="DumpInterruptedException"/> at the end if the kernel flagged the dump inconsistent.</summary>
    public IEnumerable<Flow> Dump(IPFamily family = IPFamily.Any, DumpFilter? filter = null)
    {
        foreach (var f in FamiliesToDump(family, filter))
            foreach (var flow in DumpOneFamily(f, filter))
                yield return flow;
    }

    /// <summary>CTA_FILTER needs a concrete family: an all-family filtered dump becomes one dump per family.</summary>
    private static IPFamily[] FamiliesToDump(IPFamily family, DumpFilter? filter)
    {
        if (family != IPFamily.Any || filter is null || !filter.NeedsCtaFilter) return [family];
        var implied = filter.ImpliedFamily;
        return implied != IPFamily.Any ? [implied] : [IPFamily.IPv4, IPFamily.IPv6];
    }

    private IEnumerable<Flow> DumpOneFamily(IPFamily family, DumpFilter? filter)
    {
        var sequence = SendDumpRequest(family, filter);
        var batch = new List<Flow>(256);
        var state = new DumpState { Filter = filter };
        using var pipeline = new DumpPipeline(_socket, sequence);
        while (!state.Done && pipeline.TryTake(out var buffer, out var length))
        {
            batch.Clear();
            try
            {
                ProcessDumpDatagram(buffer.AsSpan(0, length), sequence, null, batch, ref state);
            }
            finally
            {
                pipeline.Return(buffer);
            }
            foreach (var flow in batch) yield return flow;
        }
        if (state.Interrupted) throw new DumpInterruptedException();
    }

    /// <summary>Calls <paramref name="handler"/> for every entry without copying (conntrack -L); returns the count.
    /// Datagrams are received on a helper thread while this thread parses and calls the handler.</summary>
    public long Dump(FlowHandler handler, IPFamily family = IPFamily.Any, DumpFilter? filter = null)
    {
        long total = 0;
        foreach (var f in FamiliesToDump(family, filter))
        {
            var sequence = SendDumpRequest(f, filter);
            var state = new DumpState { Filter = filter };
            // Disposing the pipeline reads the dump to its end even if the handler throws.
            using (var pipeline = new DumpPipeline(_socket, sequence))
            {
                while (!state.Done && pipeline.TryTake(out var buffer, out var length))
                {
                    try
                    {
                        ProcessDumpDatagram(buffer.AsSpan(0, length), sequence, handler, null, ref state);
                    }
                    finally
                    {
                        pipeline.Return(buffer);
                    }
                }
            }
            if (state.Interrupted) throw new DumpInterruptedException();
            total += state.Count;
        }
        return total;
    }

    /// <summary>Relays a dump without decoding it: every datagram the kernel sent is handed to <paramref name="onDatagram"/>
    /// as received (entries, and the NLMSG_DONE that ends it), for <c>natgw agent</c>, whose client decodes them with
    /// <see cref="FlowDecoder"/> and re-applies <paramref name="filter"/> in managed code (zone). An error answer throws
    /// before its datagram is relayed; NLM_F_DUMP_INTR throws <see cref="DumpInterruptedException"/> at the end.</summary>
    public void DumpRaw(RawDatagramHandler onDatagram, IPFamily family = IPFamily.Any, DumpFilter? filter = null)
    {
        foreach (var f in FamiliesToDump(family, filter))
        {
            var sequence = SendDumpRequest(f, filter);
            var done = false;
            var interrupted = false;
            using (var pipeline = new DumpPipeline(_socket, sequence))
            {
                while (!done && pipeline.TryTake(out var buffer, out var length))
                {
                    try
                    {
                        var datagram = buffer.AsSpan(0, length);
                        var reply = new ReplyReader(datagram, sequence, sequence, _socket.PortId);
                        while (reply.Next())
                        {
                            if (reply.Kind == ReplyKind.Done) done = true;
                            else if (reply.Kind == ReplyKind.Error)
                            {
                                done = true;
                                throw reply.ToException("conntrack dump");
                            }
                        }
                        if (reply.SawDumpInterrupted) interrupted = true;
                        onDatagram(datagram);
                    }
                    finally
                    {
                        pipeline.Return(buffer);
                    }
                }
            }
            if (interrupted) throw new DumpInterruptedException();
        }
    }

    /// <summary>Like <see cref="Dump(FlowHandler, IPFamily, DumpFilter?)"/> but retries from scratch (up to
    /// <paramref name="attempts"/> times) when the kernel reports NLM_F_DUMP_INTR; the collected list is consistent.</summary>
    public List<Flow> DumpAll(IPFamily family = IPFamily.Any, DumpFilter? filter = null, int attempts = 3)
    {
        for (var attempt = 1; ; attempt++)
        {
            var flows = new List<Flow>();
            try
            {
                Dump((in Flow f) => flows.Add(f), family, filter);
                return flows;
            }
            catch (DumpInterruptedException) when (attempt < attempts)
            {
            }
        }
    }

    private uint SendDumpRequest(IPFamily family, DumpFilter? filter)
    {
        var sequence = _socket.NextSequence();
        _writer.Clear();
        RequestEncoder.Dump(_writer, sequence, family, filter);
        _socket.Send(_writer.WrittenSpan);
        return sequence;
    }

    private struct DumpState
    {
        public bool Done;
        public bool Interrupted;
        public long Count;
        public DumpFilter? Filter;
    }

    private void ProcessDumpDatagram(ReadOnlySpan<byte> datagram, uint sequence, FlowHandler? handler, List<Flow>? sink, ref DumpState state)
    {
        var reply = new ReplyReader(datagram, sequence, sequence, _socket.PortId);
        while (reply.Next())
        {
            switch (reply.Kind)
            {
                case ReplyKind.Data:
                    var flow = FlowDecoder.Decode(reply.Payload);
                    // Re-check in managed code: zone is never sent to the kernel, and kernels without
                    // CTA_FILTER support silently ignore tuple fields.
                    if (state.Filter is not null && !state.Filter.Matches(flow)) break;
                    state.Count++;
                    handler?.Invoke(in flow);
                    sink?.Add(flow);
                    break;
                case ReplyKind.Done:
                    state.Done = true;
                    break;
                case ReplyKind.Error:
                    state.Done = true; // an error ends the dump: nothing left to drain
                    throw reply.ToException("conntrack dump");
                case ReplyKind.Ack:
                    break;
            }
        }
        if (reply.SawDumpInterrupted) state.Interrupted = true;
    }

    /// <summary>Counts entries by dumping without parsing them: the cost of the kernel's side of a dump.</summary>
    public long DumpCountOnly(IPFamily family = IPFamily.Any, DumpFilter? filter = null)
    {
        var sequence = SendDumpRequest(family, filter);
        long count = 0;
        var done = false;
        while (!done)
        {
            var received = _socket.Receive(_receiveBuffer);
            var reply = new ReplyReader(_receiveBuffer.AsSpan(0, received), sequence, sequence, _socket.PortId);
            while (reply.Next())
            {
                if (reply.Kind == ReplyKind.Data) count++;
                else if (reply.Kind == ReplyKind.Done) done = true;
                else if (reply.Kind == ReplyKind.Error) throw reply.ToException("conntrack dump");
            }
        }
        return count;
    }

    // ---------------------------------------------------------------- single requests

    /// <summary>Looks up one entry by its original tuple (conntrack -G); null when it does not exist.</summary>
    public Flow? Get(in FlowTuple original, ushort zone = 0)
    {
        var sequence = _socket.NextSequence();
        _writer.Clear();
        RequestEncoder.Get(_writer, sequence, original, zone);
        Flow? result = null;
        try
        {
            Transact(sequence, "conntrack get", (ReadOnlySpan<byte> payload) => result = FlowDecoder.Decode(payload));
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOENT)
        {
            return null;
        }
        return result;
    }

    /// <summary>Creates one entry (conntrack -I). Throws <see cref="NetlinkException"/> (EEXIST if present).</summary>
    public void Create(in Flow flow)
    {
        var sequence = _socket.NextSequence();
        _writer.Clear();
        RequestEncoder.Create(_writer, sequence, flow);
        Transact(sequence, "conntrack create", null);
    }

    /// <summary>Creates many entries, packing many requests per sendmsg (for tests and tooling).</summary>
    public BatchResult CreateMany(IEnumerable<Flow> flows) =>
        RunBatch(flows, static (w, seq, in f) => RequestEncoder.Create(w, seq, f, ack: false));

    /// <summary>Deletes one entry by original tuple (conntrack -D -s .. -d .. -p .. --sport .. --dport ..).
    /// Returns false if it did not exist.</summary>
    public bool Delete(in FlowTuple original, ushort zone = 0) => DeleteCore(original, zone, null);

    /// <summary>Deletes exactly this entry (original tuple, zone and CTA_ID): a newer entry that reuses the
    /// tuple is left alone. Returns false if it is already gone.</summary>
    public bool Delete(in Flow flow) => DeleteCore(flow.Original, flow.Zone, (flow.Present & FlowFields.Id) != 0 ? flow.Id : null);

    private bool DeleteCore(in FlowTuple original, ushort zone, uint? id)
    {
        var sequence = _socket.NextSequence();
        _writer.Clear();
        RequestEncoder.Delete(_writer, sequence, original, zone, id);
        try
        {
            Transact(sequence, "conntrack delete", null);
            return true;
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENOENT)
        {
            return false;
        }
    }

    /// <summary>Deletes many entries in pipelined batches; entries already gone count as ENOENT failures.</summary>
    public BatchResult DeleteMany(IEnumerable<Flow> flows) =>
        RunBatch(flows, static (w, seq, in f) => RequestEncoder.Delete(w, seq, f.Original, f.Zone,
            (f.Present & FlowFields.Id) != 0 ? f.Id : null, ack: false));

    /// <summary>Deletes every entry matching <paramref name="predicate"/> (conntrack -D with filters): dumps,
    /// then deletes the matches in batches. Returns how many were removed by this call.</summary>
    public int DeleteWhere(Func<Flow, bool> predicate, IPFamily family = IPFamily.Any) =>
        DeleteWhere(null, predicate, family);

    /// <summary>Deletes entries selected by a kernel-side filter and an optional managed predicate
    /// (conntrack -D -m MARK, -D -s ADDR ...). Returns how many were removed by this call.</summary>
    public int DeleteWhere(DumpFilter? kernelFilter, Func<Flow, bool>? predicate = null, IPFamily family = IPFamily.Any)
    {
        var victims = new List<Flow>();
        Dump((in Flow f) =>
        {
            if (kernelFilter is not null && !kernelFilter.Matches(f)) return; // kernels without CTA_FILTER ignore it
            if (predicate is null || predicate(f)) victims.Add(f);
        }, family, kernelFilter);
        return DeleteMany(victims).Succeeded;
    }

    /// <summary>Removes all entries (conntrack -F), or only one family's (nfgenmsg version 1).</summary>
    public void Flush(IPFamily family = IPFamily.Any)
    {
        var sequence = _socket.NextSequence();
        _writer.Clear();
        RequestEncoder.Flush(_writer, sequence, family, null);
        Transact(sequence, "conntrack flush", null);
    }

    /// <summary>Kernel-side filtered flush (nfgenmsg version 1 + CTA_MARK/CTA_MARK_MASK, or CTA_FILTER on kernels that
    /// support it for flush). Equivalent of conntrack -D -m MARK/MASK without the dump. The kernel does not
    /// report a count; use <see cref="DeleteWhere(DumpFilter?, Func{Flow, bool}?, IPFamily)"/> when it matters.</summary>
    public void Flush(DumpFilter filter, IPFamily family = IPFamily.Any)
    {
        if (family == IPFamily.Any) family = filter.ImpliedFamily;
        var sequence = _socket.NextSequence();
        _writer.Clear();
        RequestEncoder.Flush(_writer, sequence, family, filter);
        Transact(sequence, "conntrack flush", null);
    }

    // ---------------------------------------------------------------- stats

    /// <summary>Entries in this namespace's table (conntrack -C).</summary>
    public uint Count() => Stats().Entries;

    /// <summary>Entries and nf_conntrack_max (IPCTNL_MSG_CT_GET_STATS; conntrack -C shows the first).</summary>
    public ConntrackTableStats Stats()
    {
        var sequence = _socket.NextSequence();
        _writer.Clear();
        RequestEncoder.Count(_writer, sequence);
        _socket.Send(_writer.WrittenSpan);
        while (true)
        {
            var received = _socket.Receive(_receiveBuffer);
            var reply = new ReplyReader(_receiveBuffer.AsSpan(0, received), sequence, sequence, _socket.PortId);
            while (reply.Next())
            {
                if (reply.Kind == ReplyKind.Error) throw reply.ToException("conntrack count");
                if (reply.Kind != ReplyKind.Data) continue;
                uint entries = 0;
                uint? max = null;
                var a = new AttributeReader(reply.Payload[NetfilterHeader.Size..]);
                while (a.Next())
                {
                    if (a.Type == (ushort)CtStatsGlobalAttr.Entries) entries = a.UInt32BigEndian();
                    else if (a.Type == (ushort)CtStatsGlobalAttr.MaxEntries) max = a.UInt32BigEndian();
                }
                if (a.Error is not null) throw new NetlinkParseException("conntrack stats: " + a.Error);
                return new ConntrackTableStats(entries, max);
            }
        }
    }

    /// <summary>Per-CPU counters (conntrack -S).</summary>
    public IReadOnlyList<CpuStats> StatsPerCpu()
    {
        var sequence = _socket.NextSequence();
        _writer.Clear();
        RequestEncoder.StatsPerCpu(_writer, sequence);
        _socket.Send(_writer.WrittenSpan);
        var result = new List<CpuStats>();
        var done = false;
        while (!done)
        {
            var received = _socket.Receive(_receiveBuffer);
            var reply = new ReplyReader(_receiveBuffer.AsSpan(0, received), sequence, sequence, _socket.PortId);
            while (reply.Next())
            {
                switch (reply.Kind)
                {
                    case ReplyKind.Data:
                        result.Add(StatsDecoder.DecodeCpu(reply.Payload));
                        break;
                    case ReplyKind.Done:
                        done = true;
                        break;
                    case ReplyKind.Error:
                        throw reply.ToException("conntrack stats");
                }
            }
        }
        return result;
    }

    // ---------------------------------------------------------------- plumbing

    private delegate void PayloadHandler(ReadOnlySpan<byte> payload);

    /// <summary>Sends the writer's single request (NLM_F_ACK set) and reads until its ACK or error.</summary>
    private void Transact(uint sequence, string context, PayloadHandler? onData)
    {
        _socket.Send(_writer.WrittenSpan);
        while (true)
        {
            var received = _socket.Receive(_receiveBuffer);
            var reply = new ReplyReader(_receiveBuffer.AsSpan(0, received), sequence, sequence, _socket.PortId);
            while (reply.Next())
            {
                switch (reply.Kind)
                {
                    case ReplyKind.Data:
                        onData?.Invoke(reply.Payload);
                        break;
                    case ReplyKind.Ack:
                    case ReplyKind.Done:
                        return;
                    case ReplyKind.Error:
                        throw reply.ToException(context);
                }
            }
        }
    }

    private delegate void BatchEncoder(AttributeWriter writer, uint sequence, in Flow flow);

    /// <summary>Packs requests without NLM_F_ACK into datagrams of about <see cref="ConntrackClientOptions.BatchBytes"/>,
    /// then a final no-op-sized ACK marker: the kernel handles a datagram's messages in order inside sendmsg and
    /// reports only failures, so one ACK per datagram tells us when all its errors have been queued.</summary>
    private BatchResult RunBatch(IEnumerable<Flow> flows, BatchEncoder encode)
    {
        var result = new BatchResult();
        _writer.Clear();
        uint first = 0;
        var inBatch = 0;
        foreach (var flow in flows)
        {
            var sequence = _socket.NextSequence();
            if (inBatch == 0) first = sequence;
            encode(_writer, sequence, flow);
            inBatch++;
            if (_writer.Length >= _options.BatchBytes)
            {
                FlushBatch(first, inBatch, result);
                inBatch = 0;
            }
        }
        if (inBatch > 0) FlushBatch(first, inBatch, result);
        return result;
    }

    private void FlushBatch(uint first, int count, BatchResult result)
    {
        var marker = _socket.NextSequence();
        RequestEncoder.BatchEndMarker(_writer, marker);
        _socket.Send(_writer.WrittenSpan);
        _writer.Clear();
        var failed = 0;
        var finished = false;
        while (!finished)
        {
            var received = _socket.Receive(_receiveBuffer);
            var reply = new ReplyReader(_receiveBuffer.AsSpan(0, received), first, marker, _socket.PortId);
            while (reply.Next())
            {
                var isMarker = reply.Header.Sequence == marker;
                if (reply.Kind == ReplyKind.Error && !isMarker)
                {
                    result.AddFailure(reply.Errno, reply.ExtendedAckMessage);
                    failed++;
                }
                else if (isMarker && reply.Kind is ReplyKind.Ack or ReplyKind.Error)
                {
                    finished = true;
                }
            }
        }
        result.Succeeded += count - failed;
    }

    public void Dispose() => _socket.Dispose();
}
