using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Conntrack.Mirror.Store;
using Xunit;
using static NatGateway.Conntrack.Mirror.Tests.SyntheticFlows;

namespace NatGateway.Conntrack.Mirror.Tests.Store;

public sealed class FlowTableTests
{
    [Fact]
    public void Flows_round_trip_through_the_compact_entry()
    {
        var flows = Many(2000).ToList();
        var table = FlowTable.From(flows);
        Assert.Equal(flows.Count, table.Count);
        foreach (var flow in flows.Take(300))
        {
            var stored = table.Get(flow.Id)!.Value;
            Assert.Equal(flow.Original, stored.Original);
            Assert.Equal(flow.Reply, stored.Reply);
            Assert.Equal(flow.Status, stored.Status);
            Assert.Equal(flow.Mark, stored.Mark);
            Assert.Equal(flow.Zone, stored.Zone);
            Assert.Equal(flow.Family, stored.Family);
            Assert.Equal(flow.OriginalCounters, stored.OriginalCounters);
            Assert.Equal(flow.ReplyCounters, stored.ReplyCounters);
            Assert.Equal((flow.Present & FlowFields.TcpInfo) != 0, (stored.Present & FlowFields.TcpInfo) != 0);
            Assert.Equal(flow.Tcp.State, stored.Tcp.State);
            Assert.InRange(stored.Timeout, flow.Timeout - 1, flow.Timeout);
            Assert.Equal(FlowFormatter.ToExtendedText(flow with { Timeout = stored.Timeout }, true), FlowFormatter.ToExtendedText(stored, true));
        }
    }

    [Fact]
    public void Sctp_and_dccp_states_survive_and_the_slab_entry_stays_96_bytes()
    {
        var table = new FlowTable();
        var sctp = Udp(1, "10.0.0.1", 5000, "10.0.0.2", 5001);
        sctp = sctp with
        {
            Original = sctp.Original with { Protocol = IPProtocol.Sctp },
            Reply = sctp.Reply with { Protocol = IPProtocol.Sctp },
            SctpState = 4,
            Present = sctp.Present | FlowFields.SctpState,
        };
        var dccp = sctp with
        {
            Id = 2,
            Original = sctp.Original with { Protocol = IPProtocol.Dccp },
            Reply = sctp.Reply with { Protocol = IPProtocol.Dccp },
            SctpState = 0,
            DccpState = 4,
            Present = SyntheticFlows.DumpFields | FlowFields.DccpState,
        };
        table.Upsert(sctp);
        table.Upsert(dccp);
        Assert.Equal(4, table.Get(1)!.Value.SctpState);
        Assert.Contains(" ESTABLISHED ", FlowFormatter.ToExtendedText(table.Get(1)!.Value));
        Assert.Equal(4, table.Get(2)!.Value.DccpState);
        Assert.Contains(" OPEN ", FlowFormatter.ToExtendedText(table.Get(2)!.Value));
        Assert.Equal(1, table.CountMatching(FlowFilter.Parse("proto sctp and dport 5001")));
        // The memory budget (<= 200 bytes per entry with index and slack) starts from this size.
        Assert.Equal(96, System.Runtime.CompilerServices.Unsafe.SizeOf<FlowEntry>());
    }

    [Fact]
    public void Update_merges_fields_the_event_does_not_carry_and_destroy_removes()
    {
        var table = new FlowTable();
        var flow = Tcp(7, "10.0.0.1", 1000, "10.0.0.2", 80, TcpState.SynSent).WithCounters(3, 180);
        Assert.Equal(FlowChange.Created, table.Upsert(flow));

        // An UPDATE without CTA_PROTOINFO or counters (e.g. only status changed) keeps the state and counters.
        var update = flow with { Status = flow.Status | FlowStatus.Assured, Present = FlowFields.Original | FlowFields.Reply | FlowFields.Status | FlowFields.Id };
        Assert.Equal(FlowChange.Updated, table.Upsert(update));
        var stored = table.Get(7)!.Value;
        Assert.Equal(TcpState.SynSent, stored.Tcp.State);
        Assert.True(stored.IsAssured);
        Assert.Equal(new FlowCounters(2, 90), stored.OriginalCounters);
        Assert.Equal(1, table.Count);

        // Same id but another tuple is another connection.
        var other = Tcp(7, "10.0.0.9", 1000, "10.0.0.2", 80);
        Assert.Equal(FlowChange.Created, table.Upsert(other));
        Assert.Equal(2, table.Count);
        Assert.True(table.Remove(flow));
        Assert.False(table.Remove(flow));
        Assert.Equal(1, table.Count);
        Assert.Equal(NetAddress.Parse("10.0.0.9"), table.Get(7)!.Value.Original.Source);
    }

    [Fact]
    public void Slots_and_ipv6_addresses_are_reused_after_removal()
    {
        var table = new FlowTable();
        var flows = Enumerable.Range(1, 5000).Select(i => Tcp((uint)i, $"fd77:1::{i:x}", 1000, "fd77:2::2", 80)).ToList();
        foreach (var f in flows) table.Upsert(f);
        foreach (var f in flows) Assert.True(table.Remove(f));
        Assert.Equal(0, table.Count);
        foreach (var f in flows) table.Upsert(f with { Id = f.Id + 10000 });
        Assert.Equal(5000, table.Count);
        Assert.Equal(5000, table.CountMatching(FlowFilter.Parse("dst fd77:2::2")));
        Assert.Equal(1, table.CountMatching(FlowFilter.Parse("src fd77:1::10")));
    }

    [Theory]
    [InlineData("bytes:desc")]
    [InlineData("src")]
    [InlineData("src:desc,dport")]
    [InlineData("dst,sport:desc")]
    [InlineData("reply-dst:desc")]
    [InlineData("timeout")]
    [InlineData("state:desc,id:desc")]
    [InlineData("packets,proto")]
    [InlineData("mark,zone:desc,status")]
    [InlineData("")]
    public void Pages_follow_the_sort_order_and_cover_all_matches_exactly_once(string sort)
    {
        var flows = Many(3000, seed: 7).ToList();
        var table = FlowTable.From(flows);
        var filter = FlowFilter.Parse("proto tcp or proto udp");
        var spec = SortSpec.Parse(sort);
        var expected = flows.Where(filter.ToPredicate()).ToList();
        expected.Sort((a, b) => Reference(a, b, spec));

        var seen = new List<Flow>();
        for (var page = 0; ; page++)
        {
            var result = table.Query(filter, spec, page, 97);
            Assert.Equal(expected.Count, result.TotalMatching);
            Assert.Equal(3000, result.TotalEntries);
            if (result.Rows.Count == 0) break;
            seen.AddRange(result.Rows);
        }
        Assert.Equal(expected.Select(f => f.Id), seen.Select(f => f.Id));
    }

    [Fact]
    public void Deep_pages_beyond_the_heap_limit_are_still_exact()
    {
        var flows = Many(80_000, seed: 3).ToList();
        var table = FlowTable.From(flows);
        var spec = SortSpec.Parse("dport,src:desc");
        var expected = flows.ToList();
        expected.Sort((a, b) => Reference(a, b, spec));
        var page = table.Query(FlowFilter.All, spec, 700, 100);
        Assert.Equal(expected.Skip(70_000).Take(100).Select(f => f.Id), page.Rows.Select(f => f.Id));
        Assert.Equal(80_000, table.CountMatching(FlowFilter.All));
    }

    /// <summary>The order spelled out on whole flows, independent of the table's projections.</summary>
    private static int Reference(Flow a, Flow b, SortSpec spec)
    {
        foreach (var key in spec.Keys.Append(new SortKey(SortColumn.Id)))
        {
            var c = key.Column switch
            {
                SortColumn.Family => ((byte)a.Family).CompareTo((byte)b.Family),
                SortColumn.Protocol => ((byte)a.Protocol).CompareTo((byte)b.Protocol),
                SortColumn.Source => a.Original.Source.CompareTo(b.Original.Source),
                SortColumn.Destination => a.Original.Destination.CompareTo(b.Original.Destination),
                SortColumn.ReplySource => a.Reply.Source.CompareTo(b.Reply.Source),
                SortColumn.ReplyDestination => a.Reply.Destination.CompareTo(b.Reply.Destination),
                SortColumn.SourcePort => a.Original.SourcePort.CompareTo(b.Original.SourcePort),
                SortColumn.DestinationPort => a.Original.DestinationPort.CompareTo(b.Original.DestinationPort),
                SortColumn.State => StateKey(a).CompareTo(StateKey(b)),
                SortColumn.Status => a.Status.CompareTo(b.Status),
                SortColumn.Timeout => a.Timeout.CompareTo(b.Timeout),
                SortColumn.Mark => a.Mark.CompareTo(b.Mark),
                SortColumn.Zone => a.Zone.CompareTo(b.Zone),
                SortColumn.Id => a.Id.CompareTo(b.Id),
                SortColumn.Packets => (a.OriginalCounters.Packets + a.ReplyCounters.Packets).CompareTo(b.OriginalCounters.Packets + b.ReplyCounters.Packets),
                SortColumn.Bytes => (a.OriginalCounters.Bytes + a.ReplyCounters.Bytes).CompareTo(b.OriginalCounters.Bytes + b.ReplyCounters.Bytes),
                _ => throw new NotSupportedException(key.Column.ToString()),
            };
            if (c != 0) return key.Descending ? -c : c;
        }
        return 0;
    }

    private static int StateKey(Flow f) => f.Protocol == IPProtocol.Tcp && (f.Present & FlowFields.TcpInfo) != 0 ? (int)f.Tcp.State + 1 : 0;
}
