using System.Net;
using System.Net.NetworkInformation;
using NatGateway.Web.Access;
using NatGateway.Web.Hosting;
using Xunit;

namespace NatGateway.Web.Tests.Access;

public sealed class AllowedHostsTests
{
    private static AllowedHosts For(string urls, string? allowed = null) =>
        AllowedHosts.From(new ServeOptions { Urls = urls, AllowedHosts = allowed });

    [Fact]
    public void A_specific_listen_address_allows_that_address_and_the_machine_name_only()
    {
        var hosts = For("http://10.77.1.1:5080");
        Assert.True(hosts.Allows("10.77.1.1"));
        Assert.True(hosts.Allows(Dns.GetHostName()));
        Assert.True(hosts.Allows(Dns.GetHostName().ToUpperInvariant() + "."));
        Assert.False(hosts.Allows("localhost"));
        Assert.False(hosts.Allows("127.0.0.1"));
        Assert.False(hosts.Allows("evil.example"));
        Assert.False(hosts.Allows(""));
    }

    [Fact]
    public void A_loopback_listen_allows_localhost()
    {
        var hosts = For("http://127.0.0.1:5080");
        Assert.True(hosts.Allows("127.0.0.1"));
        Assert.True(hosts.Allows("localhost"));
        Assert.False(hosts.Allows("[::1]"));
        var both = For("http://localhost:5080");
        Assert.True(both.Allows("[::1]"));
        Assert.True(both.Allows("127.0.0.1"));
    }

    [Fact]
    public void A_wildcard_listen_allows_every_interface_address_and_nothing_else()
    {
        var hosts = For("http://0.0.0.0:5080;http://[::]:5081");
        foreach (var address in NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address))
        {
            var text = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? $"[{new IPAddress(address.GetAddressBytes())}]" : address.ToString();
            Assert.True(hosts.Allows(text), text);
        }
        Assert.True(hosts.Allows("localhost"));
        Assert.False(hosts.Allows("203.0.113.77"));
        Assert.False(hosts.Allows("evil.example"));
    }

    [Fact]
    public void Allowed_hosts_replace_the_default_and_a_star_turns_the_check_off()
    {
        var hosts = For("http://10.77.1.1:5080", "natgw.lan, 127.0.0.1");
        Assert.True(hosts.Allows("natgw.lan"));
        Assert.True(hosts.Allows("127.0.0.1"));
        Assert.False(hosts.Allows("10.77.1.1"));
        var any = For("http://10.77.1.1:5080", "*");
        Assert.True(any.AllowsAny);
        Assert.True(any.Allows("evil.example"));
    }
}
