using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using NatGateway.Core.Access;
using NatGateway.Data;
using NatGateway.Data.Entities;
using NatGateway.Web.Components.Pages;
using Xunit;

namespace NatGateway.Web.Tests;

/// <summary>The Tokens page: the secret appears once, in the dialog, and is gone when it closes; revoke asks first.</summary>
public sealed class TokensPageTests : AppTestContext
{
    protected override void AddPageServices(IServiceCollection services)
    {
        services.AddSingleton(sp => new AuditLog(sp.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>(), TimeProvider.System, NullLogger<AuditLog>.Instance));
        services.AddSingleton<ApiTokenService>();
    }

    private ApiTokenService Tokens => Services.GetRequiredService<ApiTokenService>();

    private IRenderedComponent<Microsoft.AspNetCore.Components.IComponent> RenderPage() => Render(b =>
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<MudDialogProvider>(1);
        b.CloseComponent();
        b.OpenComponent<Tokens>(2);
        b.CloseComponent();
    });

    [Fact]
    public async Task Creating_a_token_shows_its_working_secret_once_in_a_dialog_and_never_again()
    {
        var host = RenderPage();
        host.WaitForElement("input[data-testid=token-name]").Change("ci");
        host.Find("input[data-testid=token-expires]").Change("30d");
        host.Find("button[data-testid=create-token]").Click();

        var secret = "";
        host.WaitForAssertion(() =>
        {
            secret = host.Find("input[data-testid=token-secret]").GetAttribute("value") ?? "";
            Assert.StartsWith("natgw_", secret);
        });
        Assert.Contains("shown only this once", host.Find("[data-testid=token-secret-dialog]").TextContent);
        Assert.NotNull(await Tokens.AuthenticateAsync(secret, "127.0.0.1"));
        Assert.Single(host.FindAll("[data-testid=token-row-name]"), r => r.TextContent == "ci");

        host.Find("button[data-testid=close-secret]").Click();
        host.WaitForAssertion(() => Assert.Empty(host.FindAll("[data-testid=token-secret-dialog]")));
        Assert.DoesNotContain(secret, host.Markup);
        var stored = Assert.Single(await Tokens.ListAsync());
        Assert.Equal((Role.Viewer, "admin"), (stored.Role, stored.CreatedBy));
        Assert.NotNull(stored.ExpiresAt);
    }

    [Fact]
    public async Task A_bad_name_or_expiry_is_shown_on_the_field_and_creates_nothing()
    {
        var host = RenderPage();
        host.WaitForElement("input[data-testid=token-name]").Change("no spaces");
        host.Find("input[data-testid=token-expires]").Change("2001-01-01");
        host.Find("button[data-testid=create-token]").Click();

        host.WaitForAssertion(() =>
        {
            Assert.Contains("Letters, digits", host.Markup);
            Assert.Contains("in the past", host.Markup);
        });
        Assert.Empty(host.FindAll("[data-testid=token-secret-dialog]"));
        Assert.Empty(await Tokens.ListAsync());
    }

    [Fact]
    public async Task Revoke_asks_for_confirmation_then_the_token_is_refused()
    {
        var created = await Tokens.CreateAsync("deploy", Role.Operator, null, "test");
        var host = RenderPage();
        host.WaitForElement("button[data-testid=revoke-token]").Click();

        // Cancel first: nothing happens.
        host.WaitForAssertion(() => Assert.Contains("Revoke token deploy", host.Markup));
        host.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        host.WaitForAssertion(() => Assert.Empty(host.FindAll(".mud-dialog")));
        Assert.NotNull(await Tokens.AuthenticateAsync(created.Secret, null));

        host.Find("button[data-testid=revoke-token]").Click();
        host.WaitForAssertion(() => Assert.Contains("Revoke token deploy", host.Markup));
        host.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Revoke").Click();

        host.WaitForAssertion(() =>
        {
            Assert.Equal("revoked", host.Find("[data-testid=token-state]").TextContent);
            Assert.Empty(host.FindAll("button[data-testid=revoke-token]"));
        });
        Assert.Null(await Tokens.AuthenticateAsync(created.Secret, null));
    }
}
