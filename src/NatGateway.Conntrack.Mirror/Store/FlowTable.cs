using System.Diagnostics;
using NatGateway.Conntrack.Mirror.Query;

namespace NatGateway.Conntrack.Mirror.Store;

/// <summary>What an upsert or removal did.</summary>
public enum FlowChange
{
    None,
    Created,
    Updated,
    Destroyed,
}

/// <summary>
/// A compact, queryable table of conntrack entries: a chunked slab of 96-byte structs with a free list, an id hash
/// index (chains through the slab), and interned IPv6 addresses. Readers (queries) share a read lock and scan in
/// parallel; writers take the write lock per batch. The mirror keeps one live table and builds a new one on resync.
/// The CLI can also load a one-shot dump into a table to sort and page it (<c>conntrack -L</c> with sorting).
/// Not disposable on purpose: a replaced table may still be read by queries that started before the swap.
/// </summary>
public sealed class FlowTable
{
    private const int ChunkShift = 15;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ChunkMask = ChunkSize - 1;
    /// <summary>Above this many rows to rank (page end), a query sorts all matches instead of keeping a top-K heap.</summary>
    private const int MaxHeapRank = 65_536;
    private const int SlotsPerParallelPartition = 65_536;
    /// <summary>The unit of work a query's scan workers take in turn (see <see cref="Query"/>).</summary>
    private const int SlotsPerChunk = 16_384;

    private FlowEntry[][] _chunks = [];
    private int _slotCount;
    private int _freeHead;
    private int _count;
    private int[] _buckets = new int[1024];
    private int _bucketShift = 32 - 10;
    private long _version;
    private readonly IPv6AddressTable _ipv6 = new();
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly long _clockOrigin = Stopwatch.GetTimestamp();

    /// <summary>Entries in the table.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Increases with every write batch; a page carries the version it was read at.</summary>
    public long Version => Interlocked.Read(ref _version);

    internal IIPv6Addresses IPv6 => _ipv6;

    /// <summary>Seconds on this table's clock (timeouts are stored as expiry times on it).</summary>
    internal uint Now => (uint)Stopwatch.GetElapsedTime(_clockOrigin).TotalSeconds;

    internal ref FlowEntry EntryAt(int slot) => ref _chunks[slot >> ChunkShift][slot & ChunkMask];

    /// <summary>Builds a table from flows (e.g. a dump).</summary>
    public static FlowTable From(IEnumerable<Flow> flows)
    {
        var table = new FlowTable();
        table.WriteBatch(writer =>
        {
            foreach (var flow in flows) writer.Upsert(in flow);
        });
        return table;
    }

    /// <summary>Adds a flow or updates the entry with the same id and original tuple; fields the record lacks (null) are kept.</summary>
    public FlowChange Upsert(in Flow flow)
    {
        _lock.EnterWriteLock();
        try { return UpsertLocked(in flow); }
        finally { Interlocked.Increment(ref _version); _lock.ExitWriteLock(); }
    }

    /// <summary>Removes the entry with the flow's id and original tuple.</summary>
    public bool Remove(in Flow flow)
    {
        _lock.EnterWriteLock();
        try { return RemoveLocked(in flow); }
        finally { Interlocked.Increment(ref _version); _lock.ExitWriteLock(); }
    }

    /// <summary>Runs several writes under one write lock; readers see all of them or none.</summary>
    public void WriteBatch(Action<Writer> write)
    {
        _lock.EnterWriteLock();
        try
        {
            write(new Writer(this));
            Interlocked.Increment(ref _version);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Write access handed out inside <see cref="WriteBatch"/> only.</summary>
    public readonly struct Writer
    {
        private readonly FlowTable _table;
        internal Writer(FlowTable table) => _table = table;
        public FlowChange Upsert(in Flow flow) => _table.UpsertLocked(in flow);
        public bool Remove(in Flow flow) => _table.RemoveLocked(in flow);
    }

    /// <summary>The entry with this conntrack id (the first, should ids ever collide), or null.</summary>
    public Flow? Get(uint id)
    {
        _lock.EnterReadLock();
        try
        {
            for (var slot = _buckets[Bucket(id)] - 1; slot >= 0; slot = EntryAt(slot).Next - 1)
                if (EntryAt(slot).Id == id) return FlowEntryCodec.Decode(in EntryAt(slot), _ipv6, Now);
            return null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Hands every matching entry to <paramref name="onFlow"/> under one read lock, without collecting them (the doctor's
    /// meters aggregate as they go); returns how many matched. The handler must not write to this table.
    /// </summary>
    public int ForEach(FlowFilter filter, FlowHandler onFlow)
    {
        var matcher = filter.Matcher;
        _lock.EnterReadLock();
        try
        {
            var now = Now;
            var matched = 0;
            for (var slot = 0; slot < _slotCount; slot++)
            {
                ref readonly var entry = ref EntryAt(slot);
                if (!entry.IsLive || !matcher.Matches(in entry, _ipv6, now)) continue;
                matched++;
                var flow = FlowEntryCodec.Decode(in entry, _ipv6, now);
                onFlow(in flow);
            }
            return matched;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Counts matching entries (<c>conntrack -C</c> with a filter).</summary>
    public int CountMatching(FlowFilter filter) => Query(filter, SortSpec.Default, 0, 0).TotalMatching;

    /// <summary>All matching entries in order (for <c>natgw conntrack list</c> and delete-by-filter).</summary>
    public IReadOnlyList<Flow> Select(FlowFilter filter, SortSpec? sort = null) =>
        Query(filter, sort ?? SortSpec.Default, 0, int.MaxValue).Rows;

    /// <summary>
    /// One page of the matching entries in <paramref name="sort"/> order, plus the total number of matches, from one
    /// consistent state. A parallel scan evaluates the filter and keeps the best (pageIndex+1)*pageSize candidates
    /// per partition; only the page's rows are materialised.
    /// </summary>
    public FlowPage Query(FlowFilter filter, SortSpec sort, int pageIndex, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pageIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(pageSize);
        var matcher = filter.Matcher;
        _lock.EnterReadLock();
        try
        {
            var order = new FlowOrder(sort, this);
            var now = Now;
            var rank = (long)pageIndex * pageSize + pageSize;
            var keepAll = rank > MaxHeapRank;
            var capacity = (int)Math.Min(rank, _count);
            var partitions = Math.Clamp(_slotCount / SlotsPerParallelPartition, 1, Environment.ProcessorCount);
            var results = new PartitionResult[partitions];
            var slotCount = _slotCount;
            // Workers take small chunks in turn rather than one fixed half each: on a busy box (a web request's
            // thread pool, other processes) a helper that starts late or is descheduled holds the answer back by one
            // chunk at most, and the calling thread scans whatever is left.
            var chunks = (slotCount + SlotsPerChunk - 1) / SlotsPerChunk;
            var nextChunk = -1;
            void Scan(int p)
            {
                var result = new PartitionResult(keepAll ? null : new TopK(capacity, order), keepAll && capacity > 0 ? new List<SortCandidate>() : null);
                int c;
                while ((c = Interlocked.Increment(ref nextChunk)) < chunks)
                {
                    var end = Math.Min(slotCount, (c + 1) * SlotsPerChunk);
                    for (var slot = c * SlotsPerChunk; slot < end; slot++)
                    {
                        ref readonly var entry = ref EntryAt(slot);
                        if (!entry.IsLive || !matcher.Matches(in entry, _ipv6, now)) continue;
                        result.Matches++;
                        if (capacity == 0) continue;
                        var candidate = new SortCandidate(order.PrimaryKey(in entry), slot);
                        if (result.Heap is not null) result.Heap.Offer(candidate);
                        else result.All!.Add(candidate);
                    }
                }
                results[p] = result;
            }
            if (partitions == 1) Scan(0);
            else Parallel.For(0, partitions, Scan);

            var total = results.Sum(r => r.Matches);
            var merged = new List<SortCandidate>();
            foreach (var r in results)
            {
                if (r.Heap is not null) merged.AddRange(r.Heap.Items);
                if (r.All is not null) merged.AddRange(r.All);
            }
            merged.Sort(order);
            var skip = (int)Math.Min((long)pageIndex * pageSize, merged.Count);
            var take = Math.Min(pageSize, merged.Count - skip);
            var rows = new Flow[take];
            for (var i = 0; i < take; i++)
                rows[i] = FlowEntryCodec.Decode(in EntryAt(merged[skip + i].Slot), _ipv6, now);
            return new FlowPage(rows, total, _count, pageIndex, pageSize, filter, sort, Version);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Entries whose timeout ran out more than <paramref name="graceSeconds"/> ago.</summary>
    internal int CountExpired(uint graceSeconds)
    {
        _lock.EnterReadLock();
        try
        {
            var now = Now;
            var expired = 0;
            for (var slot = 0; slot < _slotCount; slot++)
            {
                ref readonly var entry = ref EntryAt(slot);
                if (entry.IsLive && (entry.Flags & FlowEntryFlags.HasTimeout) != 0 && (ulong)entry.ExpiresAt + graceSeconds < now) expired++;
            }
            return expired;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private sealed class PartitionResult(TopK? heap, List<SortCandidate>? all)
    {
        public TopK? Heap { get; } = heap;
        public List<SortCandidate>? All { get; } = all;
        public int Matches;
    }

    /// <summary>Keeps the <c>capacity</c> smallest candidates: a max-heap whose top is the worst kept.</summary>
    private sealed class TopK(int capacity, FlowOrder order)
    {
        private readonly SortCandidate[] _heap = new SortCandidate[capacity];
        private int _count;

        public IEnumerable<SortCandidate> Items => _heap.Take(_count);

        public void Offer(SortCandidate candidate)
        {
            if (_count < _heap.Length)
            {
                _heap[_count] = candidate;
                SiftUp(_count++);
                return;
            }
            // Fast reject on the projected key alone; the full comparison only runs on equal keys.
            if (candidate.Key > _heap[0].Key || order.Compare(candidate, _heap[0]) >= 0) return;
            _heap[0] = candidate;
            SiftDown(0);
        }

        private void SiftUp(int i)
        {
            while (i > 0)
            {
                var parent = (i - 1) / 2;
                if (order.Compare(_heap[i], _heap[parent]) <= 0) return;
                (_heap[i], _heap[parent]) = (_heap[parent], _heap[i]);
                i = parent;
            }
        }

        private void SiftDown(int i)
        {
            while (true)
            {
                var largest = i;
                var left = 2 * i + 1;
                var right = left + 1;
                if (left < _count && order.Compare(_heap[left], _heap[largest]) > 0) largest = left;
                if (right < _count && order.Compare(_heap[right], _heap[largest]) > 0) largest = right;
                if (largest == i) return;
                (_heap[i], _heap[largest]) = (_heap[largest], _heap[i]);
                i = largest;
            }
        }
    }

    private int Bucket(uint id) => (int)((id * 0x9E3779B1u) >> _bucketShift);

    private FlowChange UpsertLocked(in Flow flow)
    {
        var incoming = new FlowEntry();
        FlowEntryCodec.Encode(in flow, ref incoming, _ipv6, Now);
        var slot = Find(in incoming);
        if (slot >= 0)
        {
            ref var existing = ref EntryAt(slot);
            Merge(ref incoming, in existing);
            ReleaseAddresses(in existing);
            incoming.Next = existing.Next;
            existing = incoming;
            return FlowChange.Updated;
        }
        slot = AllocateSlot();
        var bucket = Bucket(incoming.Id);
        incoming.Next = _buckets[bucket];
        _buckets[bucket] = slot + 1;
        EntryAt(slot) = incoming;
        _count++;
        if (_count > _buckets.Length) GrowBuckets();
        return FlowChange.Created;
    }

    /// <summary>Keeps what an event does not carry (TCP state without CTA_PROTOINFO, counters, start, timeout).</summary>
    private static void Merge(ref FlowEntry incoming, ref readonly FlowEntry existing)
    {
        if ((incoming.Flags & FlowEntryFlags.HasProtocolState) == 0 && (existing.Flags & FlowEntryFlags.HasProtocolState) != 0)
        {
            incoming.ProtocolState = existing.ProtocolState;
            incoming.Flags |= FlowEntryFlags.HasProtocolState;
        }
        if ((incoming.Flags & FlowEntryFlags.HasTimeout) == 0 && (existing.Flags & FlowEntryFlags.HasTimeout) != 0)
        {
            incoming.ExpiresAt = existing.ExpiresAt;
            incoming.Flags |= FlowEntryFlags.HasTimeout;
        }
        if ((incoming.Flags & FlowEntryFlags.HasCounters) == 0 && (existing.Flags & FlowEntryFlags.HasCounters) != 0)
        {
            incoming.OriginalPackets = existing.OriginalPackets;
            incoming.OriginalBytes = existing.OriginalBytes;
            incoming.ReplyPackets = existing.ReplyPackets;
            incoming.ReplyBytes = existing.ReplyBytes;
            incoming.Flags |= FlowEntryFlags.HasCounters;
        }
        if ((incoming.Flags & FlowEntryFlags.HasStart) == 0 && (existing.Flags & FlowEntryFlags.HasStart) != 0)
        {
            incoming.StartUnixNanoseconds = existing.StartUnixNanoseconds;
            incoming.Flags |= FlowEntryFlags.HasStart;
        }
    }

    private bool RemoveLocked(in Flow flow)
    {
        var probe = new FlowEntry();
        FlowEntryCodec.Encode(in flow, ref probe, _ipv6, Now);
        var bucket = Bucket(probe.Id);
        var previous = -1;
        var removed = false;
        for (var slot = _buckets[bucket] - 1; slot >= 0; previous = slot, slot = EntryAt(slot).Next - 1)
        {
            ref var entry = ref EntryAt(slot);
            if (!SameConnection(in entry, in probe)) continue;
            if (previous < 0) _buckets[bucket] = entry.Next; else EntryAt(previous).Next = entry.Next;
            ReleaseAddresses(in entry);
            entry = default;
            entry.Next = _freeHead;
            _freeHead = slot + 1;
            _count--;
            removed = true;
            break;
        }
        ReleaseAddresses(in probe);
        return removed;
    }

    private int Find(ref readonly FlowEntry probe)
    {
        for (var slot = _buckets[Bucket(probe.Id)] - 1; slot >= 0; slot = EntryAt(slot).Next - 1)
            if (SameConnection(in EntryAt(slot), in probe)) return slot;
        return -1;
    }

    /// <summary>Same id and same original tuple and zone (ids are hashes and could in theory repeat).</summary>
    private static bool SameConnection(ref readonly FlowEntry a, ref readonly FlowEntry b) =>
        a.Id == b.Id && a.Family == b.Family && a.Protocol == b.Protocol && a.Zone == b.Zone &&
        a.OriginalSource == b.OriginalSource && a.OriginalDestination == b.OriginalDestination &&
        a.OriginalSourcePort == b.OriginalSourcePort && a.OriginalDestinationPort == b.OriginalDestinationPort;

    private void ReleaseAddresses(ref readonly FlowEntry entry)
    {
        if (!entry.IsIPv6) return;
        _ipv6.Release(entry.OriginalSource);
        _ipv6.Release(entry.OriginalDestination);
        _ipv6.Release(entry.ReplySource);
        _ipv6.Release(entry.ReplyDestination);
    }

    private int AllocateSlot()
    {
        if (_freeHead != 0)
        {
            var slot = _freeHead - 1;
            _freeHead = EntryAt(slot).Next;
            return slot;
        }
        if (_slotCount >> ChunkShift >= _chunks.Length)
        {
            Array.Resize(ref _chunks, _chunks.Length + 1);
            _chunks[^1] = new FlowEntry[ChunkSize];
        }
        return _slotCount++;
    }

    private void GrowBuckets()
    {
        _buckets = new int[_buckets.Length * 2];
        _bucketShift--;
        for (var slot = 0; slot < _slotCount; slot++)
        {
            ref var entry = ref EntryAt(slot);
            if (!entry.IsLive) continue;
            var bucket = Bucket(entry.Id);
            entry.Next = _buckets[bucket];
            _buckets[bucket] = slot + 1;
        }
    }

}
