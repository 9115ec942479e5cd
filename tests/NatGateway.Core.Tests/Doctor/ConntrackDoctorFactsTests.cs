using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Conntrack;
using NatGateway.Core.Doctor;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests.Doctor;

/// <summary>The SNAT port meter and the state census over synthetic flows: from a dump (with the kernel-side SRC_NAT
/// filter) and from a live mirror, against the rules in force.</summary>
public sealed class ConntrackDoctorFactsTests : IDisposable
{
    private static readonly NatCompileOptions Options = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-doctor-facts-").FullName;
    private readonly InMemoryKernel _kernel = new("lan0", "wan0");
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly TestDbFactory _db;
    private readonly NatRulesService _rules;
    private readonly Microsoft.Extensions.DependencyInjection.ServiceProvider _host;
    private readonly FlowListConntrack _table = new();

    public ConntrackDoctorFactsTests()
    {
        _db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        _kernel.PersistTo(_dir);
        _kernel.Conntrack = _table;
        _rules = new NatRulesService(_kernel, _db, Options, _clock);
        var settings = new KernelSettingsService(_kernel, _db, _clock);
        _host = RevisionsHost.Build(_rules, settings, new RuleFlowService(_kernel, Options), _db, _clock);
    }

    public void Dispose()
    {
        _host.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private RevisionService Revisions => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<RevisionService>(_host);
    private RevisionStore Store => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<RevisionStore>(_host);

    /// <summary>A masquerade rule with a 10-port range, applied (in force), returning it with its mark id.</summary>
    private async Task<NatRule> ApplyNarrowMasqueradeAsync()
    {
        var parsed = NatRuleJson.Parse("""
            {"kind": "masquerade", "name": "narrow", "outInterfaces": ["wan0"], "protocol": "tcp", "ports": "10000-10009"}
            """);
        var created = await _rules.CreateAsync(parsed.Rule!, "test");
        Assert.True(created.Saved);
        await Revisions.ApplyRulesAsync("narrow range", "test");
        return (await Store.RulesInForceAsync()).Single();
    }

    /// <summary>A masqueraded TCP flow 10.0.0.2:sport → server:dport, translated to 192.0.2.1:translatedPort.</summary>
    private static Flow Snat(ushort sport, string server, ushort dport, ushort translatedPort, int markId,
        IPProtocol protocol = IPProtocol.Tcp, string translated = "192.0.2.1")
    {
        var original = FlowTuple.Create(protocol, "10.0.0.2", sport, server, dport);
        var flow = Flow.ForCreate(original, 300, FlowStatus.Assured | FlowStatus.SeenReply | FlowStatus.Confirmed | FlowStatus.SourceNat
            | FlowStatus.SourceNatDone, Options.MarkValue(markId));
        flow.Reply = FlowTuple.Create(protocol, server, dport, translated, translatedPort);
        return flow;
    }

    private MirrorConntrackDoctorFacts Facts(ConntrackMirrorService? mirror = null) => new(_kernel, Store, Options, mirror);

    [Fact]
    public async Task Ports_in_use_per_destination_are_counted_against_the_rule_range_fullest_first()
    {
        var rule = await ApplyNarrowMasqueradeAsync();
        for (ushort i = 0; i < 10; i++) _table.Flows.Add(Snat((ushort)(40000 + i), "203.0.113.10", 443, (ushort)(10000 + i), rule.MarkId));
        // The same translated ports towards another server are another group (the kernel only needs a unique tuple).
        for (ushort i = 0; i < 3; i++) _table.Flows.Add(Snat((ushort)(41000 + i), "203.0.113.20", 443, (ushort)(10000 + i), rule.MarkId));
        // Two entries on one translated port towards one destination count once.
        _table.Flows.Add(Snat(42000, "203.0.113.20", 443, 10000, rule.MarkId) with { Id = 99 });
        // Not SNAT: ignored.
        _table.Flows.Add(Flow.ForCreate(FlowTuple.Create(IPProtocol.Tcp, "10.0.0.3", 5000, "10.0.0.1", 22), 300));

        var rows = await Facts().SnatPortUseAsync(10, CancellationToken.None);

        Assert.Equal(FlowStatus.SourceNat, _table.LastFilter!.Status);
        Assert.Equal(FlowStatus.SourceNat, _table.LastFilter.StatusMask);
        Assert.Equal(2, rows.Count);
        var full = rows[0];
        Assert.Equal("192.0.2.1", full.TranslatedAddress.ToString());
        Assert.Equal("203.0.113.10", full.Destination.ToString());
        Assert.Equal(443, full.DestinationPort);
        Assert.Equal(IPProtocol.Tcp, full.Protocol);
        Assert.Equal(10, full.InUse);
        Assert.Equal(10, full.Available);
        Assert.Equal(1.0, full.Fill);
        Assert.Equal(rule.Id, full.RuleId);
        Assert.Equal("narrow", full.RuleName);
        Assert.Equal(3, rows[1].InUse);
        Assert.Equal(0.3, rows[1].Fill, 6);

        Assert.Single(await Facts().SnatPortUseAsync(1, CancellationToken.None));
    }

    [Fact]
    public async Task Without_a_rule_range_the_kernel_default_range_of_the_source_port_class_applies()
    {
        // No rule of ours (mark 0): the kernel's default ranges by original source port (nf_nat_l4proto_unique_tuple).
        _table.Flows.Add(Snat(40000, "203.0.113.10", 53, 40000, 0, IPProtocol.Udp));
        _table.Flows.Add(Snat(700, "203.0.113.11", 53, 700, 0, IPProtocol.Udp));
        _table.Flows.Add(Snat(100, "203.0.113.12", 53, 100, 0, IPProtocol.Udp));
        // ICMP has no ports: not metered.
        var icmp = Flow.ForCreate(FlowTuple.CreateIcmp(NetAddress.Parse("10.0.0.2"), NetAddress.Parse("203.0.113.10"), 8, 0, 7), 30,
            FlowStatus.SeenReply | FlowStatus.SourceNat);
        _table.Flows.Add(icmp);

        var rows = await Facts().SnatPortUseAsync(10, CancellationToken.None);

        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Null(r.RuleId));
        Assert.Equal(511, rows.Single(r => r.Destination.ToString() == "203.0.113.12").Available);
        Assert.Equal(424, rows.Single(r => r.Destination.ToString() == "203.0.113.11").Available);
        Assert.Equal(64512, rows.Single(r => r.Destination.ToString() == "203.0.113.10").Available);
        Assert.Equal("203.0.113.11", rows[0].Destination.ToString()); // 1/424 is the fullest
        Assert.Equal(64512 + 424, SnatPortMeter.DefaultWidth(4 | 2));
    }

    [Fact]
    public async Task A_live_mirror_is_read_instead_of_dumping()
    {
        var rule = await ApplyNarrowMasqueradeAsync();
        var source = new ListMirrorSource();
        for (ushort i = 0; i < 4; i++) source.Flows.Add(Snat((ushort)(40000 + i), "203.0.113.10", 443, (ushort)(10000 + i), rule.MarkId) with { Id = 1u + i });
        source.Flows.Add(Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp, "10.0.0.2", 5353, "10.0.0.1", 53), 30, FlowStatus.None) with { Id = 50 });
        _table.Source = source;
        var mirror = new ConntrackMirrorService(_kernel, _db, _clock, NullLogger<ConntrackMirrorService>.Instance);
        try
        {
            var facts = Facts(mirror);
            // Before the mirror is started the facts dump (and do not start it).
            _table.Flows.Add(Snat(40000, "203.0.113.99", 80, 10000, rule.MarkId));
            Assert.Equal("203.0.113.99", (await facts.SnatPortUseAsync(5, CancellationToken.None)).Single().Destination.ToString());
            Assert.False(mirror.IsStarted);

            await mirror.EnsureStartedAsync();
            _table.DumpFailure = new InvalidOperationException("the mirror is live: no dump expected");
            var row = (await facts.SnatPortUseAsync(5, CancellationToken.None)).Single();
            Assert.Equal("203.0.113.10", row.Destination.ToString());
            Assert.Equal(4, row.InUse);
            Assert.Equal(10, row.Available);
            var reading = await facts.ReadAsync(5, CancellationToken.None);
            Assert.Equal(4, reading.SnatPorts.Single().InUse);
            var census = reading.States;
            Assert.Equal(5, census.Total);
            Assert.Equal(4, census.States.Single(s => s.State == "ESTABLISHED").Entries);
            Assert.Equal(1, census.States.Single(s => s.State == CensusStates.UdpUnreplied).Entries);
        }
        finally
        {
            mirror.Dispose();
        }
    }

    [Fact]
    public async Task The_census_counts_states_with_their_timeout_sysctls_most_entries_first()
    {
        _kernel.Facts = _kernel.Facts with
        {
            Timeouts = NatGateway.Capacity.Kernel.ConntrackTimeouts.KernelDefaults with { TcpTimeWait = 60, Udp = 15 },
        };
        Flow Tcp(TcpState state, ushort sport)
        {
            var f = Flow.ForCreate(FlowTuple.Create(IPProtocol.Tcp, "10.0.0.2", sport, "203.0.113.10", 443), 100);
            f.Tcp = new TcpInfo(state, 0, 0, 0, 0);
            return f;
        }
        ushort port = 1000;
        for (var i = 0; i < 5; i++) _table.Flows.Add(Tcp(TcpState.TimeWait, port++));
        for (var i = 0; i < 2; i++) _table.Flows.Add(Tcp(TcpState.Established, port++));
        _table.Flows.Add(Tcp(TcpState.SynSent, port++));
        _table.Flows.Add(Tcp(TcpState.Close, port++));
        for (var i = 0; i < 3; i++)
            _table.Flows.Add(Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp, "10.0.0.2", port++, "203.0.113.10", 53), 30, FlowStatus.None));
        _table.Flows.Add(Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp, "10.0.0.2", port++, "203.0.113.10", 53), 30, FlowStatus.SeenReply));
        _table.Flows.Add(Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp, "10.0.0.2", port++, "203.0.113.10", 53), 120));
        _table.Flows.Add(Flow.ForCreate(FlowTuple.CreateIcmp(NetAddress.Parse("10.0.0.2"), NetAddress.Parse("203.0.113.10"), 8, 0, 1), 30));
        _table.Flows.Add(Flow.ForCreate(new FlowTuple { Protocol = (IPProtocol)47, Source = NetAddress.Parse("10.0.0.2"), Destination = NetAddress.Parse("203.0.113.10") }, 600));

        var census = (await Facts().ReadAsync(10, CancellationToken.None)).States;

        Assert.Null(_table.LastFilter); // the whole table
        Assert.Equal(1, _table.Dumps); // one dump
        Assert.Equal(16, census.Total);
        Assert.Equal(new[] { "TIME_WAIT", CensusStates.UdpUnreplied, "ESTABLISHED" }, census.States.Take(3).Select(s => s.State));
        var timeWait = census.States[0];
        Assert.Equal(("net.netfilter.nf_conntrack_tcp_timeout_time_wait", 60, 5L), (timeWait.TimeoutKey, timeWait.TimeoutSeconds, timeWait.Entries));
        Assert.Equal(("net.netfilter.nf_conntrack_udp_timeout", 15), (census.States[1].TimeoutKey, census.States[1].TimeoutSeconds));
        var byName = census.States.ToDictionary(s => s.State);
        Assert.Equal("net.netfilter.nf_conntrack_tcp_timeout_established", byName["ESTABLISHED"].TimeoutKey);
        Assert.Equal(432000, byName["ESTABLISHED"].TimeoutSeconds);
        Assert.Equal("net.netfilter.nf_conntrack_tcp_timeout_syn_sent", byName["SYN_SENT"].TimeoutKey);
        Assert.Equal("net.netfilter.nf_conntrack_tcp_timeout_close", byName["CLOSE"].TimeoutKey);
        Assert.Equal(1, byName[CensusStates.UdpReplied].Entries);
        Assert.Equal(("net.netfilter.nf_conntrack_udp_timeout_stream", 1L), (byName[CensusStates.UdpAssured].TimeoutKey, byName[CensusStates.UdpAssured].Entries));
        Assert.Equal("net.netfilter.nf_conntrack_icmp_timeout", byName[CensusStates.Icmp].TimeoutKey);
        Assert.Equal(("net.netfilter.nf_conntrack_generic_timeout", 600), (byName[CensusStates.Other].TimeoutKey, byName[CensusStates.Other].TimeoutSeconds));
        Assert.DoesNotContain(census.States, s => s.Entries == 0);
    }

    [Fact]
    public async Task One_reading_with_the_mirror_off_dumps_once_and_feeds_the_meter_and_the_census_alike()
    {
        var rule = await ApplyNarrowMasqueradeAsync();
        for (ushort i = 0; i < 10; i++) _table.Flows.Add(Snat((ushort)(40000 + i), "203.0.113.10", 443, (ushort)(10000 + i), rule.MarkId));
        for (ushort i = 0; i < 3; i++) _table.Flows.Add(Snat((ushort)(41000 + i), "203.0.113.20", 443, (ushort)(10000 + i), rule.MarkId));
        _table.Flows.Add(Snat(40000, "203.0.113.30", 53, 40000, 0, IPProtocol.Udp));
        // Not SNAT: counted by state, not metered.
        _table.Flows.Add(Flow.ForCreate(FlowTuple.Create(IPProtocol.Tcp, "10.0.0.3", 5000, "10.0.0.1", 22), 300));
        _table.Flows.Add(Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp, "10.0.0.3", 5353, "10.0.0.1", 53), 30, FlowStatus.None));
        var facts = Facts();

        var reading = await facts.ReadAsync(10, CancellationToken.None);

        // The whole table in one unfiltered dump: the census needs every entry, the meter picks SRC_NAT ones itself.
        Assert.Equal(1, _table.Dumps);
        Assert.Null(_table.LastFilter);
        Assert.Equal(_table.Flows.Count, reading.States.Total);
        Assert.Equal(1, reading.States.States.Single(s => s.State == CensusStates.UdpUnreplied).Entries);
        // The meter's rows equal those of the filtered dump the meter alone makes.
        var alone = await facts.SnatPortUseAsync(10, CancellationToken.None);
        Assert.Equal(FlowStatus.SourceNat, _table.LastFilter!.Status);
        Assert.Equal(3, alone.Count);
        Assert.Equal(alone, reading.SnatPorts);
        Assert.Equal((10, 10, "narrow"), (reading.SnatPorts[0].InUse, reading.SnatPorts[0].Available, reading.SnatPorts[0].RuleName));
        Assert.Equal(64512, reading.SnatPorts.Single(r => r.Destination.ToString() == "203.0.113.30").Available);
        Assert.Equal(2, (await facts.ReadAsync(2, CancellationToken.None)).SnatPorts.Count);
    }

    /// <summary>A conntrack table of listed flows: dumps apply the kernel filter as the kernel would and record it.</summary>
    private sealed class FlowListConntrack : IConntrackKernel
    {
        public List<Flow> Flows { get; } = new();
        public DumpFilter? LastFilter { get; private set; }
        public int Dumps { get; private set; }
        public Exception? DumpFailure { get; set; }
        public IConntrackMirrorSource? Source { get; set; }

        public long Dump(FlowHandler onFlow, IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null)
        {
            if (DumpFailure is { } failure) throw failure;
            LastFilter = kernelFilter;
            Dumps++;
            long n = 0;
            foreach (var flow in Flows)
            {
                if (kernelFilter is not null && !kernelFilter.Matches(in flow)) continue;
                n++;
                onFlow(in flow);
            }
            return n;
        }

        public ConntrackTableStats ReadTableStats() => new((uint)Flows.Count, 262144);
        public IReadOnlyList<CpuStats> ReadCpuStats() => [];
        public long Count(IPFamily family = IPFamily.Any, DumpFilter? kernelFilter = null) => Flows.Count(f => kernelFilter?.Matches(in f) ?? true);
        public int Delete(IPFamily family, DumpFilter? kernelFilter, FlowFilter? filter) => throw new NotSupportedException();
        public int DeleteFlows(IReadOnlyList<Flow> flows) => throw new NotSupportedException();
        public void Flush(IPFamily family) => throw new NotSupportedException();
        public IConntrackMirrorSource OpenMirrorSource() => Source ?? throw new NotSupportedException("no mirror source set");
        public IFlowEventStream OpenEvents(FlowEventGroups groups) => throw new NotSupportedException();
    }

    /// <summary>A mirror source whose dump is a list and whose event stream stays silent.</summary>
    private sealed class ListMirrorSource : IConntrackMirrorSource
    {
        public List<Flow> Flows { get; } = new();
        public IFlowEventStream OpenEvents() => new Silent();
        public void Dump(FlowHandler onFlow, CancellationToken cancellationToken)
        {
            foreach (var flow in Flows) onFlow(in flow);
        }

        private sealed class Silent : IFlowEventStream
        {
            public async ValueTask<int> ReceiveAsync(FlowEventHandler handler, CancellationToken cancellationToken)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return 0;
            }
            public int ReceivePending(FlowEventHandler handler) => 0;
            public void Dispose() { }
        }
    }
}
