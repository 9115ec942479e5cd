using NatGateway.Capacity.Output;
using NatGateway.Capacity.Planning;
using Xunit;
using E = NatGateway.Capacity.Model.ConntrackExtensions;

namespace NatGateway.Capacity.Tests.Output;

public sealed class CapacityPlanTextRendererTests
{
    [Fact]
    public void Shows_the_settings_the_memory_and_the_breakdown()
    {
        var plan = new CapacityPlanner(SampleKernel.Facts()).Plan(new CapacityPlanRequest { ExpectedEntries = 500_000, Extensions = E.Nat | E.Acct });
        var text = CapacityPlanTextRenderer.Render(plan);

        Assert.Contains("nf_conntrack_max            500,000 (now 262,144)", text);
        Assert.Contains("nf_conntrack_buckets        500,224", text);
        Assert.Contains("kmalloc-128 extension area", text);
        Assert.Contains("Entries memory              183.1 MiB (192,000,000 B)", text);
        Assert.Contains("Hash table memory           4.0 MiB (4,194,304 B)", text);
        Assert.Contains("Nat, Acct", text);
        Assert.Contains("1024-65535 (kernel default): 64,512 flows per address", text);
    }

    [Fact]
    public void Lists_timeouts_and_warnings()
    {
        var plan = new CapacityPlanner(SampleKernel.Facts()).Plan(new CapacityPlanRequest
        {
            Rates = new ConnectionRates { TcpPerSecond = 10_000, TcpMeanDurationSeconds = 5 },
            MemoryBudgetBytes = 64L * 1024 * 1024,
        });
        var text = CapacityPlanTextRenderer.Render(plan);

        Assert.Contains("nf_conntrack_tcp_timeout_time_wait", text);
        Assert.Contains("→ 30s saves 900,000 entries", text); // 10,000/s × 90 s
        Assert.Contains("Warning: A full table needs", text);
    }
}
