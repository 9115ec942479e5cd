using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Planning;
using Xunit;
using E = NatGateway.Capacity.Model.ConntrackExtensions;

namespace NatGateway.Capacity.Tests.Planning;

public sealed class CapacityPlannerTests
{
    private static CapacityPlanner Planner(Func<KernelConntrackFacts, KernelConntrackFacts>? change = null) => new(SampleKernel.Facts(change));

    [Fact]
    public void Entries_half_a_million_plain_udp()
    {
        var plan = Planner().Plan(new CapacityPlanRequest { ExpectedEntries = 500_000 });

        Assert.Equal(500_000, plan.RecommendedMax);
        Assert.Equal(500_224, plan.RecommendedBuckets);           // rounded to 512 heads per page
        Assert.Equal(128_000_000, plan.EntriesMemoryBytes);        // 500,000 × 256
        Assert.Equal(4_194_304, plan.BucketsMemoryBytes);          // 4,001,792 B → order-10 block
        Assert.Equal(132_194_304, plan.FullTableMemoryBytes);
        Assert.Equal(2.0 * 500_000 / 500_224, plan.FullTableChainLength, 3);
        Assert.Empty(plan.Extensions);
        Assert.Equal(500_000L * 376 + 500_224L * 16, plan.SeedFormulaBytes);
        Assert.Equal(500_000L * 256 + 500_224L * 8, plan.ObjectSizeOnlyBytes);
        Assert.Equal((262144L, 262144L), (plan.KernelDefaultBuckets, plan.KernelDefaultMax));
        Assert.Equal(262144L, plan.CurrentMax);
    }

    [Fact]
    public void Peak_factor_and_load_factor_shape_max_and_buckets()
    {
        var plan = Planner().Plan(new CapacityPlanRequest { ExpectedEntries = 100_000, PeakFactor = 1.5, TargetLoadFactor = 2, Extensions = E.Acct });

        Assert.Equal(150_000, plan.RecommendedMax);
        Assert.Equal(75_264, plan.RecommendedBuckets);             // 75,000 → 147 pages of heads
        Assert.Equal(150_000L * 384, plan.EntriesMemoryBytes);
        Assert.Equal(150_000, plan.PeakEntries);
        Assert.Equal(2.0 * 150_000 / 75_264, plan.ExpectedChainLength, 3);
        Assert.Equal(["Acct"], plan.Extensions);
        Assert.Equal(128, plan.ExtensionSizeClass);
    }

    [Theory]
    [InlineData(true, false, 0, new[] { "Acct" })]
    [InlineData(true, true, 2, new[] { "Acct", "Ecache" })]     // events=2 + a listener
    [InlineData(false, false, 2, new string[0])]                // events=2, nobody listening
    [InlineData(false, false, 1, new[] { "Ecache" })]           // events=1: always
    public void Extensions_follow_the_kernel_switches(bool acct, bool listener, int events, string[] expected)
    {
        var plan = Planner(f => f with { Accounting = acct, EventsMode = events })
            .Plan(new CapacityPlanRequest { ExpectedEntries = 1000, EventListener = listener });
        Assert.Equal(expected, plan.Extensions);
    }

    [Fact]
    public void Masquerade_adds_the_nat_extension()
    {
        var plan = Planner(f => f with { Timestamps = true }).Plan(new CapacityPlanRequest { ExpectedEntries = 1000, Masquerade = true });
        Assert.Equal(["Nat", "Tstamp"], plan.Extensions);
        Assert.Equal(384, plan.BytesPerEntry);
    }

    [Fact]
    public void A_budget_alone_gives_the_largest_table_that_fits()
    {
        const long budget = 100L * 1024 * 1024;
        var plan = Planner().Plan(new CapacityPlanRequest { MemoryBudgetBytes = budget });

        Assert.Equal(plan.MaxEntriesWithinBudget, plan.RecommendedMax);
        Assert.True(plan.FullTableMemoryBytes <= budget);
        Assert.InRange(plan.HeadroomBytes!.Value, 0, 256 + 4096); // within one entry and one page of the budget
        Assert.InRange(plan.RecommendedMax, 390_000, 400_000);    // ≈ 100 MiB / (256 + 8) B
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void Over_budget_is_reported_with_negative_headroom()
    {
        var plan = Planner().Plan(new CapacityPlanRequest { ExpectedEntries = 1_000_000, MemoryBudgetBytes = 64L * 1024 * 1024 });

        Assert.Equal(1_000_000, plan.RecommendedMax);
        Assert.True(plan.HeadroomBytes < 0);
        Assert.Contains(plan.Warnings, w => w.Contains("over the 64.0 MiB budget"));
    }

    [Fact]
    public void Budget_as_a_share_of_RAM()
    {
        var plan = Planner().Plan(new CapacityPlanRequest { ExpectedEntries = 1000, MemoryBudgetShareOfRam = 0.1 });
        Assert.Equal((long)(24684084L * 1024 * 0.1), plan.MemoryBudgetBytes);
    }

    [Fact]
    public void Rates_show_which_timeouts_dominate_and_what_shortening_saves()
    {
        var plan = Planner().Plan(new CapacityPlanRequest
        {
            Rates = new ConnectionRates { TcpPerSecond = 100, TcpMeanDurationSeconds = 10, UdpPerSecond = 1000, UdpStreamFraction = 0.1, UdpStreamMeanDurationSeconds = 30 },
            PeakFactor = 2,
        });

        // average 1000 + 12000 + 27000 + 15000 = 55,000 entries; peak 110,000
        Assert.Equal(55_000, plan.ExpectedEntries);
        Assert.Equal(110_000, plan.RecommendedMax);
        Assert.Equal(FlowEstimator.Udp, plan.Timeouts[0].Sysctl);           // largest first
        var udp = plan.Timeouts[0];
        Assert.Equal((30, 54_000L, 10), (udp.CurrentSeconds, udp.Entries, udp.SuggestedSeconds));
        Assert.Equal(36_000, udp.EntriesSaved);                               // 900/s × 20 s × peak 2
        Assert.Equal(36_000L * 256, udp.BytesSaved);
        var timeWait = plan.Timeouts.Single(t => t.Sysctl == FlowEstimator.TcpTimeWait);
        Assert.Equal((24_000L, 18_000L), (timeWait.Entries, timeWait.EntriesSaved)); // 120 s → 30 s
        Assert.Equal(12000.0 / 55000, timeWait.ShareOfTable, 3);
    }

    [Fact]
    public void Timeouts_already_short_suggest_no_saving()
    {
        var plan = Planner(f => f with { Timeouts = f.Timeouts with { Udp = 5 } })
            .Plan(new CapacityPlanRequest { Rates = new ConnectionRates { UdpPerSecond = 100, UdpStreamFraction = 0 } });
        var udp = Assert.Single(plan.Timeouts);
        Assert.Equal((5, 0L), (udp.SuggestedSeconds, udp.EntriesSaved));
    }

    [Fact]
    public void Snat_capacity_is_part_of_the_plan()
    {
        var plan = Planner().Plan(new CapacityPlanRequest { ExpectedEntries = 1000, SnatAddresses = 2, SnatTargetFlowsPerDestination = 150_000 });
        Assert.Equal(3, plan.Snat!.AddressesNeeded);
        Assert.Equal(129_024, plan.Snat.FlowsPerDestination);
    }

    [Theory]
    [InlineData(null, null, 1.0)]      // nothing to plan from
    [InlineData(1000L, null, 0.5)]     // peak below 1
    [InlineData(1000L, -1L, 1.0)]      // negative budget
    public void Rejects_incomplete_or_impossible_requests(long? entries, long? budget, double peak) =>
        Assert.Throws<ArgumentException>(() => Planner().Plan(new CapacityPlanRequest { ExpectedEntries = entries, MemoryBudgetBytes = budget, PeakFactor = peak }));
}
