using Bunit;
using NatGateway.Web.Components.Pages;
using Xunit;

namespace NatGateway.Web.Tests;

public sealed class HomePageTests : PageTestContext
{
    [Fact]
    public void The_dashboard_lists_every_interface_with_link_state_mtu_and_forwarding()
    {
        Kernel.Memory.Values["net.ipv4.ip_forward"] = "1";
        var page = Render<Home>();

        // The revision in force loads after the first render: wait for the whole page.
        page.WaitForAssertion(() =>
        {
            Assert.Equal("on", page.Find("[data-testid=ipv4-forwarding] [data-value]").GetAttribute("data-value"));
            Assert.Equal("off", page.Find("[data-testid=ipv6-forwarding] [data-value]").GetAttribute("data-value"));
            var rows = page.FindAll("[data-testid=interfaces] tbody tr");
            Assert.Equal(["lo", "lan0", "wan0"], rows.Select(r => r.QuerySelector("td")!.TextContent.Trim()).ToArray());
            Assert.Contains("1500", rows[1].TextContent);
            Assert.NotNull(rows[1].QuerySelector("svg.ngw-sparkline polyline.rx"));
            Assert.Contains("nothing applied yet", page.Find("[data-testid=nat-in-force]").TextContent);
        });
    }
}
