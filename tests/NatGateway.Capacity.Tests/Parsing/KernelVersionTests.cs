using NatGateway.Capacity.Kernel;
using Xunit;

namespace NatGateway.Capacity.Tests.Parsing;

public sealed class KernelVersionTests
{
    [Theory]
    [InlineData("6.18.44-fc-v669\n", 6, 18, 44)]
    [InlineData("5.15.0-91-generic", 5, 15, 0)]
    [InlineData("6.1", 6, 1, 0)]
    [InlineData("6.12-rc3", 6, 12, 0)]
    public void Parses_uname_releases(string release, int major, int minor, int patch)
    {
        var version = KernelVersion.Parse(release);
        Assert.Equal((major, minor, patch), (version.Major, version.Minor, version.Patch));
        Assert.Equal(release.Trim(), version.Release);
    }

    [Theory]
    [InlineData("")]
    [InlineData("linux")]
    [InlineData("6")]
    public void Rejects_non_versions(string release) => Assert.Throws<FormatException>(() => KernelVersion.Parse(release));

    [Theory]
    [InlineData(5, 15, true)]
    [InlineData(6, 18, true)]
    [InlineData(6, 19, false)]
    [InlineData(7, 0, false)]
    public void Compares_with_a_minimum(int major, int minor, bool expected) =>
        Assert.Equal(expected, KernelVersion.Parse("6.18.44").IsAtLeast(major, minor));
}
