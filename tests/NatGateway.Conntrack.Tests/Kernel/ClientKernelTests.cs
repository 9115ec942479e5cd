using NatGateway.Conntrack.Tests.Support;
using NatGateway.Netlink;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Conntrack.Tests.Kernel;

/// <summary>ConntrackClient against the real kernel, entries made by ctnetlink in a private namespace.</summary>
public sealed class ClientKernelTests
{
    [KernelFact]
    public void Create_then_dump_get_delete_round_trip()
    {
        using var ns = new ConntrackNamespace();
        using var client = ns.Client();
        var tcp = Flows.Tcp("10.9.0.1", 1000, "10.9.0.2", 80, mark: 42);
        var udp6 = Flows.Udp("fd00::1", 5353, "fd00::2", 53);
        client.Create(tcp);
        client.Create(udp6);

        var all = client.Dump().ToList();
        Assert.Equal(2, all.Count);
        var gotTcp = Assert.Single(all, f => f.Protocol == IPProtocol.Tcp);
        Assert.Equal(IPFamily.IPv4, gotTcp.Family);
        Assert.Equal(tcp.Original, gotTcp.Original with { Zone = null });
        Assert.Equal(tcp.Reply, gotTcp.Reply with { Zone = null });
        Assert.Equal(42u, gotTcp.Mark);
        Assert.Equal(TcpState.Established, gotTcp.TcpState);
        Assert.True(gotTcp.IsAssured);
        Assert.InRange(gotTcp.Timeout, 290u, 300u);
        Assert.NotEqual(0u, gotTcp.Id);

        Assert.Single(client.Dump(IPFamily.IPv6));
        Assert.Equal(IPFamily.IPv6, client.Dump(IPFamily.IPv6).Single().Family);

        var fetched = client.Get(tcp.Original);
        Assert.NotNull(fetched);
        Assert.Equal(gotTcp.Id, fetched.Value.Id);
        Assert.Null(client.Get(FlowTuple.Create(IPProtocol.Tcp, "10.9.0.1", 1001, "10.9.0.2", 80)));

        Assert.Equal(2u, client.Count());
        Assert.True(client.Delete(gotTcp));
        Assert.False(client.Delete(gotTcp));
        Assert.Equal(1u, client.Count());
    }

    [KernelFact]
    public void Create_existing_entry_reports_EEXIST_with_errno_name()
    {
        using var ns = new ConntrackNamespace();
        using var client = ns.Client();
        var flow = Flows.Udp("10.9.0.1", 1, "10.9.0.2", 2);
        client.Create(flow);
        var e = Assert.Throws<NetlinkException>(() => client.Create(flow));
        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal("EEXIST", e.ErrnoName);
    }

    [KernelFact]
    public void Invalid_request_carries_the_errno()
    {
        using var ns = new ConntrackNamespace();
        using var client = ns.Client();
        // No timeout attribute: ctnetlink refuses to create (EINVAL).
        var flow = Flows.Udp("10.9.0.1", 1, "10.9.0.2", 2, timeout: 0);
        var e = Assert.Throws<NetlinkException>(() => client.Create(flow with { Original = flow.Original with { Protocol = (IPProtocol)253 }, Reply = flow.Reply with { Protocol = IPProtocol.Udp } }));
        Assert.NotEqual(0, (int)e.Errno);
        Assert.Contains(e.ErrnoName, e.Message);
    }

    [KernelFact]
    public void Batched_create_delete_where_and_filtered_flush()
    {
        using var ns = new ConntrackNamespace();
        using var client = ns.Client();
        var created = client.CreateMany(Flows.ManyUdp(3000, 10, mark: 1).Concat(Flows.ManyUdp(2000, 11, mark: 2)));
        Assert.Equal(5000, created.Succeeded);
        Assert.Equal(0, created.Failed);
        Assert.Equal(5000u, client.Count());

        var again = client.CreateMany(Flows.ManyUdp(10, 10, mark: 1));
        Assert.Equal(10, again.FailuresWith(Errno.EEXIST));

        // Kernel-side mark filter on a dump (conntrack -L -m 2).
        Assert.Equal(2000, client.Dump(filter: new DumpFilter { Mark = 2 }).Count());

        // Managed predicate delete.
        var removed = client.DeleteWhere(f => f.Original.Source.IPv4Value >> 24 == 11 && f.Original.Source.IPv4Value % 2 == 0);
        Assert.Equal(1000, removed);
        Assert.Equal(4000u, client.Count());

        // Kernel-filtered delete by original source address (CTA_FILTER).
        var one = client.Dump().First(f => f.Original.Source.IPv4Value >> 24 == 10);
        var bySource = client.DeleteWhere(new DumpFilter { Original = new TupleFilter { Source = one.Original.Source } });
        Assert.Equal(1, bySource);

        // Filtered flush by mark (nfgenmsg version 1 + CTA_MARK/CTA_MARK_MASK).
        client.Flush(new DumpFilter { Mark = 1 }, IPFamily.IPv4);
        Assert.Equal(1000u, client.Count());
        Assert.All(client.Dump(), f => Assert.Equal(2u, f.Mark));

        client.Flush();
        Assert.Equal(0u, client.Count());
    }

    [KernelFact]
    public void Family_flush_keeps_the_other_family()
    {
        using var ns = new ConntrackNamespace();
        using var client = ns.Client();
        client.Create(Flows.Udp("10.9.0.1", 1, "10.9.0.2", 2));
        client.Create(Flows.Udp("fd00::1", 1, "fd00::2", 2));
        client.Flush(IPFamily.IPv6);
        var left = Assert.Single(client.Dump());
        Assert.Equal(IPFamily.IPv4, left.Family);
    }

    [KernelFact]
    public void Kernel_side_tuple_and_zone_filters_select_exactly()
    {
        using var ns = new ConntrackNamespace();
        using var client = ns.Client();
        client.Create(Flows.Tcp("10.9.0.1", 1000, "10.9.0.2", 80));
        client.Create(Flows.Tcp("10.9.0.1", 1001, "10.9.0.2", 443));
        client.Create(Flows.Udp("10.9.0.3", 1000, "10.9.0.2", 80));
        client.Create(Flows.Udp("10.9.0.4", 1000, "10.9.0.2", 80) with { Zone = 7 });

        var dport80 = client.Dump(filter: new DumpFilter { Original = new TupleFilter { Protocol = IPProtocol.Tcp, DestinationPort = 80 } }).ToList();
        Assert.Equal(1000, Assert.Single(dport80).Original.SourcePort);

        var fromOne = client.Dump(filter: new DumpFilter { Original = new TupleFilter { Source = NetAddress.Parse("10.9.0.1") } }).ToList();
        Assert.Equal(2, fromOne.Count);

        var zone7 = client.Dump(filter: new DumpFilter { Zone = 7 }).ToList();
        Assert.Equal(7, Assert.Single(zone7).Zone);
    }

    [KernelFact]
    public void Filtered_flush_by_original_source_removes_only_that_source()
    {
        using var ns = new ConntrackNamespace();
        using var client = ns.Client();
        client.Create(Flows.Udp("10.9.0.1", 1, "10.9.0.2", 2));
        client.Create(Flows.Udp("10.9.0.1", 3, "10.9.0.2", 4));
        client.Create(Flows.Udp("10.9.0.7", 1, "10.9.0.2", 2));
        client.Create(Flows.Udp("fd00::1", 1, "fd00::2", 2));
        client.Flush(new DumpFilter { Original = new TupleFilter { Source = NetAddress.Parse("10.9.0.1") } });
        var left = client.Dump().Select(f => f.Original.Source.ToString()).Order().ToList();
        Assert.Equal(["10.9.0.7", "fd00::1"], left);
    }

    [KernelFact]
    public void Stopping_early_or_a_throwing_handler_leaves_the_socket_usable()
    {
        using var ns = new ConntrackNamespace();
        using var client = ns.Client();
        client.CreateMany(Flows.ManyUdp(2000));

        // Abandoned enumeration: the kernel would answer the next dump with EBUSY if it were not drained.
        Assert.Single(client.Dump().Take(1));
        Assert.Throws<InvalidOperationException>(() => client.Dump((in Flow _) => throw new InvalidOperationException("stop")));
        Assert.Equal(2000, client.Dump().Count());
        Assert.Equal(2000u, client.Count());
    }

    [KernelFact]
    public void DumpAll_returns_a_list_of_every_flow()
    {
        using var ns = new ConntrackNamespace();
        using var client = ns.Client();
        client.CreateMany(Flows.ManyUdp(500).Concat([Flows.Udp("fd00::1", 1, "fd00::2", 2)]));
        var all = client.DumpAll();
        Assert.Equal(501, all.Count);
        Assert.Equal(500, all.Count(f => f.Family == IPFamily.IPv4));
        Assert.Equal(all.Count, all.Select(f => f.Id).Distinct().Count());
    }

    [KernelFact]
    public void Stats_per_cpu_has_one_row_per_cpu()
    {
        using var ns = new ConntrackNamespace();
        using var client = ns.Client();
        client.Create(Flows.Udp("10.9.0.1", 1, "10.9.0.2", 2));
        var stats = client.StatsPerCpu();
        Assert.Equal(Environment.ProcessorCount, stats.Count);
        Assert.Equal(Enumerable.Range(0, stats.Count), stats.Select(s => s.Cpu).OrderBy(c => c));
        // Same numbers as conntrack -S (ctnetlink inserts are counted in "insert").
        var tool = ns.Conntrack("-S").EnsureSuccess("conntrack -S").StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
                .Select(kv => kv.Split('='))
                .ToDictionary(kv => kv[0], kv => long.Parse(kv[1])))
            .ToList();
        Assert.Equal(tool.Count, stats.Count);
        foreach (var row in tool)
        {
            var ours = stats.Single(s => s.Cpu == row["cpu"]);
            Assert.Equal(row["insert"], ours.Insert);
            Assert.Equal(row["insert_failed"], ours.InsertFailed);
            Assert.Equal(row["drop"], ours.Drop);
            Assert.Equal(row["early_drop"], ours.EarlyDrop);
            Assert.Equal(row["invalid"], ours.Invalid);
            Assert.Equal(row["clash_resolve"], ours.ClashResolve);
            Assert.Equal(row["chaintoolong"], ours.ChainTooLong);
        }
        Assert.Equal(1, stats.Sum(s => (long)s.Insert));
        var table = client.Stats();
        Assert.Equal(1u, table.Entries);
        Assert.True(table.MaxEntries > 0);
    }
}
