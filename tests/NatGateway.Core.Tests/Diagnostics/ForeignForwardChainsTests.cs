using NatGateway.Core.Kernel.Diagnostics;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests.Diagnostics;

public sealed class ForeignForwardChainsTests
{
    /// <summary>
    /// <c>nft -j list chains</c> (nft 1.0.6) of a namespace with our <c>table ip natgw</c>, a foreign <c>inet filter</c>
    /// (forward and input base chains, a regular chain), a foreign <c>ip6 other</c> with a forward chain, and the tracer's
    /// <c>natgw_trace</c>.
    /// </summary>
    private const string ListChains = """
        {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
         {"chain": {"family": "ip", "table": "natgw", "name": "pre", "handle": 1, "type": "nat", "hook": "prerouting", "prio": -100, "policy": "accept"}},
         {"chain": {"family": "inet", "table": "filter", "name": "forward", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "accept"}},
         {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 2, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}},
         {"chain": {"family": "inet", "table": "filter", "name": "helper", "handle": 3}},
         {"chain": {"family": "ip6", "table": "other", "name": "fwd6", "handle": 1, "type": "filter", "hook": "forward", "prio": 10, "policy": "drop"}},
         {"chain": {"family": "ip", "table": "natgw_trace", "name": "f", "handle": 1, "type": "filter", "hook": "forward", "prio": -300, "policy": "accept"}}]}
        """;

    [Fact]
    public void Only_foreign_tables_with_a_forward_filter_chain_are_listed_each_once()
    {
        Assert.Equal([("inet", "filter"), ("ip6", "other")], ForeignForwardChains.ForeignTables(ListChains, new NatCompileOptions()));
    }

    [Fact]
    public void No_chains_no_tables()
    {
        Assert.Empty(ForeignForwardChains.ForeignTables("""{"nftables": [{"metainfo": {"version": "1.0.6"}}]}""", new NatCompileOptions()));
        Assert.Empty(ForeignForwardChains.ForeignTables("", new NatCompileOptions()));
    }
}
