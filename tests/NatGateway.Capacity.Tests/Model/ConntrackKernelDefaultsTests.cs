using NatGateway.Capacity.Model;
using Xunit;

namespace NatGateway.Capacity.Tests.Model;

public sealed class ConntrackKernelDefaultsTests
{
    private const long MiB = 1024 * 1024;
    private const long GiB = 1024 * MiB;

    [Theory]
    [InlineData(24 * GiB, 262144)]   // this machine
    [InlineData(4 * GiB + 4096, 262144)]
    [InlineData(4 * GiB, 65536)]     // "more than 4 GiB" is strict
    [InlineData(2 * GiB, 65536)]
    [InlineData(1 * GiB, 8192)]      // RAM / 16384 / 8
    [InlineData(512 * MiB, 4096)]
    [InlineData(64 * MiB, 1024)]     // floor of 1024
    public void Buckets_and_max_from_RAM(long ram, long buckets) =>
        Assert.Equal((buckets, buckets), ConntrackKernelDefaults.ForMemory(ram));
}
