using NatGateway.Core.Kernel;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>ProcSysctl against a temporary tree laid out like /proc/sys (the kernel tests cover the real one).</summary>
public sealed class ProcSysctlTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("natgw-procsys-").FullName;

    [Fact]
    public void Reads_trim_and_writes_land_in_the_file()
    {
        Directory.CreateDirectory(Path.Combine(_root, "net", "ipv4"));
        File.WriteAllText(Path.Combine(_root, "net", "ipv4", "ip_forward"), "0\n");
        var sysctl = new ProcSysctl(_root);
        Assert.Equal("0", sysctl.Read(SysctlKey.Ipv4Forwarding));
        sysctl.Write(SysctlKey.Ipv4Forwarding, "1");
        Assert.Equal("1", sysctl.Read(SysctlKey.Ipv4Forwarding));
        Assert.True(sysctl.IsWritable(SysctlKey.Ipv4Forwarding));
    }

    [Fact]
    public void A_missing_key_is_reported_as_missing_not_as_an_io_error()
    {
        var sysctl = new ProcSysctl(_root);
        Assert.Null(sysctl.TryRead(SysctlKey.RpFilter("eth7")));
        var e = Assert.Throws<SysctlException>(() => sysctl.Write(SysctlKey.RpFilter("eth7"), "1"));
        Assert.Equal(SysctlFailure.Missing, e.Failure);
        Assert.Contains("net.ipv4.conf.eth7.rp_filter does not exist", e.Message);
        Assert.False(sysctl.IsWritable(SysctlKey.RpFilter("eth7")));
    }

    [Fact]
    public void A_key_without_write_bits_is_not_writable()
    {
        var path = Path.Combine(_root, "nf_conntrack_max");
        File.WriteAllText(path, "262144\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.False(new ProcSysctl(_root).IsWritable(new SysctlKey(["nf_conntrack_max"])));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
