using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using NatGateway.Web.Components.Pages;
using Xunit;

namespace NatGateway.Web.Tests.Accounts;

/// <summary>The Users page (admins manage accounts) and the Account page (password, TOTP) over a real SQLite file.</summary>
public sealed class AccountPagesTests : AppTestContext
{
    private const string Password = "a long enough password";

    protected override void AddPageServices(IServiceCollection services)
    {
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddAccounts();
    }

    private UserService Accounts => Services.GetRequiredService<UserService>();

    [Fact]
    public async Task The_users_page_lists_adds_and_removes_accounts_and_keeps_the_last_admin()
    {
        await Accounts.CreateAsync("admin", Password, Role.Admin, "test");
        var locked = await Accounts.CreateAsync("viv", Password, Role.Viewer, "test");
        for (var i = 0; i < UserService.MaxFailedLogins; i++) await Accounts.PasswordSignInAsync("viv", "wrong wrong wrong", null);

        var page = Render<Users>();
        page.WaitForAssertion(() =>
        {
            Assert.Equal(new[] { "admin", "viv" }, page.FindAll("tr[data-user]").Select(r => r.GetAttribute("data-user") ?? "").ToArray());
            Assert.Equal("off", page.Find("tr[data-user=admin] [data-testid=totp]").TextContent);
            Assert.StartsWith("until", page.Find("tr[data-user=viv] [data-testid=locked]").TextContent);
            Assert.Equal("no", page.Find("tr[data-user=admin] [data-testid=locked]").TextContent);
        });

        // Unlock.
        page.Find("tr[data-user=viv] button[data-testid=unlock]").Click();
        page.WaitForAssertion(() => Assert.Equal("no", page.Find("tr[data-user=viv] [data-testid=locked]").TextContent));
        Assert.Null((await Accounts.FindAsync(locked.Id))!.LockedUntil);

        // Add: a short password is a field error; then a good one.
        page.Find("input[data-testid=new-name]").Change("opal");
        page.Find("input[data-testid=new-password]").Change("short");
        page.Find("button[data-testid=add-user-button]").Click();
        page.WaitForAssertion(() => Assert.Contains("At least", page.Find("[data-testid=add-user]").TextContent));
        Assert.Null(await Accounts.FindAsync("opal"));
        page.Find("input[data-testid=new-password]").Change(Password);
        page.Find("button[data-testid=add-user-button]").Click();
        page.WaitForAssertion(() => Assert.Contains("User opal (viewer) added.", page.Find("[data-testid=users-message]").TextContent));
        Assert.Equal(Role.Viewer, (await Accounts.FindAsync("opal"))!.Role);

        // Demoting the last admin is refused with a field error; promoting someone else works.
        // Selects in page order: the new user's role, then one per row (admin, opal, viv).
        var adminRole = page.FindComponents<MudSelect<Role>>()[1];
        await page.InvokeAsync(() => adminRole.Instance.ValueChanged.InvokeAsync(Role.Operator));
        page.WaitForAssertion(() => Assert.Contains("last admin", page.Find("tr[data-user=admin]").TextContent));
        Assert.Equal(Role.Admin, (await Accounts.FindAsync("admin"))!.Role);

        // Reset a password (ends that user's sessions: new stamp).
        var stamp = (await Accounts.FindAsync("opal"))!.SecurityStamp;
        page.Find("tr[data-user=opal] button[data-testid=reset]").Click();
        page.Find("input[data-testid=reset-password]").Change("another long password");
        page.Find("button[data-testid=reset-button]").Click();
        page.WaitForAssertion(() => Assert.Contains("Password of opal set", page.Find("[data-testid=users-message]").TextContent));
        Assert.NotEqual(stamp, (await Accounts.FindAsync("opal"))!.SecurityStamp);

        // Remove takes two clicks.
        page.Find("tr[data-user=opal] button[data-testid=remove]").Click();
        page.Find("tr[data-user=opal] button[data-testid=confirm-remove]").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("tr[data-user=opal]")));
        Assert.Null(await Accounts.FindAsync("opal"));
        page.Find("tr[data-user=admin] button[data-testid=remove]").Click();
        page.Find("tr[data-user=admin] button[data-testid=confirm-remove]").Click();
        page.WaitForAssertion(() => Assert.Contains("last admin", page.Find("tr[data-user=admin]").TextContent));
        Assert.NotNull(await Accounts.FindAsync("admin"));
    }

    [Fact]
    public async Task The_account_page_changes_the_password_and_enrols_totp_with_ten_recovery_codes()
    {
        var me = await Accounts.CreateAsync("mia", Password, Role.Operator, "test");
        Authorization.SetAuthorized("mia");
        Authorization.SetRoles("viewer", "operator");
        Authorization.SetClaims(new Claim(AccessClaims.UserIdClaim, me.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var page = Render<Account>();
        page.WaitForAssertion(() => Assert.Equal("mia (operator)", page.Find("[data-testid=account-name]").TextContent));

        // Wrong current password: a field error, nothing changes.
        page.Find("input[data-testid=old-password]").Change("not my password!");
        page.Find("input[data-testid=new-password]").Change("my second password");
        page.Find("input[data-testid=new-password2]").Change("my second password");
        page.Find("button[data-testid=change-password-button]").Click();
        page.WaitForAssertion(() => Assert.Contains("current password is wrong", page.Find("[data-testid=change-password]").TextContent));
        page.Find("input[data-testid=old-password]").Change(Password);
        page.Find("button[data-testid=change-password-button]").Click();
        page.WaitForAssertion(() => Assert.Contains("Password changed.", page.Find("[data-testid=sign-in-again]").TextContent));
        Assert.Equal(SignInStatus.Succeeded, (await Accounts.PasswordSignInAsync("mia", "my second password", null)).Status);

        // TOTP: the key and URI are shown as text; a wrong code is refused; the right one turns it on.
        page.Find("button[data-testid=totp-start]").Click();
        var key = page.Find("[data-testid=totp-key]").TextContent;
        Assert.Contains($"otpauth://totp/NatGateway:mia?secret={key}", page.Find("[data-testid=totp-uri]").TextContent);
        page.Find("input[data-testid=totp-code]").Change("123");
        page.Find("button[data-testid=totp-confirm]").Click();
        page.WaitForAssertion(() => Assert.Contains("does not match", page.Find("[data-testid=totp]").TextContent));
        page.Find("input[data-testid=totp-code]").Change(new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(key)).ComputeTotp());
        page.Find("button[data-testid=totp-confirm]").Click();
        page.WaitForAssertion(() => Assert.Equal(RecoveryCodes.Count, page.FindAll("[data-testid=recovery-codes] li").Count));
        Assert.Equal(key, (await Accounts.FindAsync(me.Id))!.TotpSecret);
        Assert.Equal(SignInStatus.NeedsSecondFactor, (await Accounts.PasswordSignInAsync("mia", "my second password", null)).Status);
    }

    [Fact]
    public void The_users_page_is_for_admins_only()
    {
        var attribute = typeof(Users).GetCustomAttributes(typeof(Microsoft.AspNetCore.Authorization.AuthorizeAttribute), true)
            .Cast<Microsoft.AspNetCore.Authorization.AuthorizeAttribute>().Single();
        Assert.Equal("admin", attribute.Roles);
    }
}
