using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>The lab itself: forwarding off blocks client→server, on lets it through, and disposal removes everything.</summary>
public sealed class LabTests
{
    [KernelFact]
    public void Forwarding_in_the_gateway_namespace_decides_whether_the_client_reaches_the_server()
    {
        string gateway;
        using (var lab = NamespaceLab.Create())
        {
            gateway = lab.Gateway;
            Assert.True(lab.Pings(lab.Client, NamespaceLab.GatewayLanAddress));
            Assert.False(lab.Pings(lab.Client, NamespaceLab.ServerAddress));
            lab.Sysctl(lab.Gateway, "net.ipv4.ip_forward", "1");
            Assert.True(lab.Pings(lab.Client, NamespaceLab.ServerAddress));
        }
        Assert.DoesNotContain(gateway, ProcessRunner.Run("ip", "netns", "list").StandardOutput);
    }
}
