using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Conntrack;
using Xunit;

namespace NatGateway.Web.Tests.Conntrack;

/// <summary>The one-shot operations' rules over a synthetic table (the kernel side is covered by the kernel tests).</summary>
public sealed class ConntrackServiceTests
{
    private readonly FakeConntrackTable _table = new();
    private readonly ConntrackService _service;

    public ConntrackServiceTests()
    {
        for (var i = 1; i <= 10; i++) _table.Add(FakeConntrackTable.Udp($"10.0.0.{i}", (ushort)(1000 + i), "192.0.2.1", (ushort)(i % 2 == 0 ? 53 : 123)));
        _service = new ConntrackService(new NatGateway.Core.Tests.Fakes.InMemoryKernel { Conntrack = _table });
    }

    [Fact]
    public void An_empty_filter_never_deletes_or_flushes_unless_all_is_asked()
    {
        Assert.Throws<ArgumentException>(() => _service.Delete(FlowFilter.All));
        Assert.Throws<ArgumentException>(() => _service.Flush(FlowFilter.All));
        Assert.Equal(10, _table.Entries);

        Assert.Equal(10, _service.Flush(FlowFilter.All, all: true));
        Assert.Equal(0, _table.Entries);
    }

    [Fact]
    public void Delete_removes_exactly_the_matches_and_returns_their_count()
    {
        Assert.Equal(5, _service.Delete(FlowFilter.Parse("dport 53")));
        Assert.Equal(5, _table.Entries);
        Assert.All(_table.Snapshot(), f => Assert.Equal(123, f.Original.DestinationPort));
        Assert.Equal(2, _service.Delete(FlowFilter.Parse("src 10.0.0.0/30"))); // .1 and .3 are left of .1-.3
    }

    [Fact]
    public void Stream_count_and_sorted_list_apply_the_whole_filter()
    {
        var filter = FlowFilter.Parse("dport 123 and not src 10.0.0.1");
        var streamed = new List<string>();
        Assert.Equal(4, _service.Stream(filter, (in Flow f) => streamed.Add(f.Original.Source.ToString())));
        Assert.Equal(["10.0.0.3", "10.0.0.5", "10.0.0.7", "10.0.0.9"], streamed);
        Assert.Equal(4, _service.Count(filter));
        Assert.Equal(10, _service.Count(FlowFilter.All));
        Assert.Equal(["10.0.0.9", "10.0.0.7", "10.0.0.5", "10.0.0.3"],
            _service.List(filter, SortSpec.Parse("src:desc")).Select(f => f.Original.Source.ToString()));
    }

    [Fact]
    public void Rates_are_per_second_and_survive_a_32_bit_counter_wrap()
    {
        var before = new CpuStats(0, 0, 0, uint.MaxValue - 9, 0, 100, 0, 0, 0, 0, 0);
        var after = new CpuStats(0, 0, 0, 10, 4, 100, 2, 0, 0, 0, 0);
        var rate = ConntrackStatsMath.Rate(before, after, TimeSpan.FromSeconds(2));
        Assert.Equal(10, rate.Insert);       // 20 inserts across the wrap in 2 s
        Assert.Equal(2, rate.InsertFailed);
        Assert.Equal(0, rate.Drop);
        Assert.Equal(1, rate.EarlyDrop);
        Assert.True(rate.HasTrouble);
    }

    [Fact]
    public void Nat_translation_reads_before_and_after_from_the_two_tuples()
    {
        var snat = FakeConntrackTable.TcpSnat("10.0.1.7", 30007, "198.51.100.7", 443, "203.0.113.1", 40007, 0);
        Assert.Equal("snat 10.0.1.7:30007 → 203.0.113.1:40007", Assert.Single(NatTranslation.Of(snat)).ToString());

        var dnat = Flow.ForCreate(FlowTuple.Create(IPProtocol.Tcp, "192.0.2.9", 5555, "203.0.113.1", 8080), 60,
            FlowStatus.Confirmed | FlowStatus.DestinationNat);
        dnat.Reply = FlowTuple.Create(IPProtocol.Tcp, "10.0.0.80", 80, "192.0.2.9", 5555);
        Assert.Equal("dnat 203.0.113.1:8080 → 10.0.0.80:80", Assert.Single(NatTranslation.Of(dnat)).ToString());
        Assert.Empty(NatTranslation.Of(FakeConntrackTable.Udp("10.0.0.1", 1, "10.0.0.2", 2)));
    }
}
