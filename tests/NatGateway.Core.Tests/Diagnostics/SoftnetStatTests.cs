using NatGateway.Core.Kernel;
using NatGateway.Core.Kernel.Diagnostics;
using Xunit;

namespace NatGateway.Core.Tests.Diagnostics;

public sealed class SoftnetStatTests
{
    /// <summary>Recorded on kernel 6.18 (15 columns: backlog length, CPU id, input_qlen, process_qlen at the end); CPU 1
    /// is offline here, so the second row is CPU 2 and only column 12 says so.</summary>
    private const string Kernel618 = """
        01856d43 00000000 00000004 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
        0191358b 0000002a 00000103 00000000 00000000 00000000 00000000 00000000 00000000 00000007 00000005 00000000 00000002 00000000 00000000

        """;

    /// <summary>A 5.4 kernel: 11 columns, no CPU id (the row number is the CPU).</summary>
    private const string Kernel54 = """
        0000a1b2 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000003 00000000
        0000c3d4 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000009
        """;

    [Fact]
    public void Columns_are_hex_and_the_cpu_comes_from_column_12()
    {
        var rows = SoftnetStat.Parse(Kernel618);
        Assert.Equal(
            [new SoftnetCpu(0, 0x01856d43, 0, 4, 0, 0), new SoftnetCpu(2, 0x0191358b, 42, 0x103, 7, 5)],
            rows);
    }

    [Fact]
    public void Older_kernels_without_the_cpu_column_number_rows()
    {
        var rows = SoftnetStat.Parse(Kernel54);
        Assert.Equal([0, 1], rows.Select(r => r.Cpu));
        Assert.Equal(1UL, rows[0].Dropped);
        Assert.Equal(3UL, rows[0].ReceivedRps);
        Assert.Equal(9UL, rows[1].FlowLimitCount);
    }

    [Fact]
    public void A_short_row_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => SoftnetStat.Parse("00000001 00000002\n"));
    }
}
