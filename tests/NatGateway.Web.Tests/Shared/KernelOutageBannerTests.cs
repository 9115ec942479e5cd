using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NatGateway.Core.Kernel;
using NatGateway.Web.Components.Shared;
using Xunit;

namespace NatGateway.Web.Tests.Shared;

/// <summary>The banner every page shows while the kernel agent does not answer, driven by a settable availability.</summary>
public sealed class KernelOutageBannerTests : BunitContext
{
    private sealed class FakeAvailability : IKernelAvailability
    {
        public bool IsAvailable { get; private set; } = true;
        public string? Reason { get; private set; }
        public DateTimeOffset Since { get; private set; } = DateTimeOffset.UtcNow;
        public event Action? Changed;
        public int Subscribers => Changed?.GetInvocationList().Length ?? 0;

        /// <summary>Changes the state from a thread that is not the renderer's, as the agent client does.</summary>
        public Task SetAsync(bool available, string? reason) => Task.Run(() =>
        {
            (IsAvailable, Reason, Since) = (available, reason, DateTimeOffset.UtcNow);
            Changed?.Invoke();
        });
    }

    private readonly FakeAvailability _availability = new();

    public KernelOutageBannerTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddSingleton<IKernelAvailability>(_availability);
    }

    [Fact]
    public async Task Appears_with_the_reason_while_the_agent_is_down_and_goes_away_when_it_is_back()
    {
        var banner = Render<KernelOutageBanner>();
        Assert.Empty(banner.FindAll("[data-testid=kernel-outage-banner]"));

        await _availability.SetAsync(false, "natgw agent at /run/natgw/agent.sock: connection refused");
        banner.WaitForAssertion(() =>
        {
            var alert = banner.Find("[data-testid=kernel-outage-banner]");
            Assert.Equal("alert", alert.GetAttribute("role"));
            Assert.Contains("The kernel agent is not answering: natgw agent at /run/natgw/agent.sock: connection refused.", alert.TextContent);
            Assert.Contains("Changes are disabled; reconnecting", alert.TextContent);
        });

        await _availability.SetAsync(true, null);
        banner.WaitForAssertion(() => Assert.Empty(banner.FindAll("[data-testid=kernel-outage-banner]")));
    }

    [Fact]
    public async Task Shows_at_once_when_the_page_opens_during_an_outage_and_unsubscribes_when_disposed()
    {
        await _availability.SetAsync(false, "agent restarting");
        var banner = Render<KernelOutageBanner>();
        Assert.Contains("agent restarting", banner.Find("[data-testid=kernel-outage-banner]").TextContent);
        Assert.Equal(1, _availability.Subscribers);

        await DisposeComponentsAsync();
        Assert.Equal(0, _availability.Subscribers);
    }
}
