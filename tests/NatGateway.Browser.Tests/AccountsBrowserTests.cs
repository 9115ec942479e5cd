using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>First run (no account, the setup link from the log), sign-out, and TOTP enrolment then sign-in with a code.</summary>
[Collection(ChromiumCollection.Name)]
public sealed partial class AccountsBrowserTests(ChromiumFixture chromium)
{
    private const string FirstAdmin = "first-admin";
    private const string FirstPassword = "the first admin's password";

    [BrowserFact]
    public async Task First_run_creates_the_admin_from_the_setup_link_then_sign_in_change_and_sign_out()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, seedAccounts: false);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));

        // natgw prints the one-time link once it has found no account.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        Match link;
        while (!(link = SetupLink().Match(app.Output)).Success && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(link.Success, app.Output);
        Assert.Single(SetupLink().Matches(app.Output));
        var setupPath = link.Groups["path"].Value.TrimStart('/');

        var page = await chromium.NewPageAsync(proxy.LocalUri, signIn: false);
        // Nothing but sign-in without an account.
        await page.GotoAsync("");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.EndsWith("/login", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#login-no-account")).ToBeVisibleAsync();

        // A wrong token is refused.
        await page.GotoAsync("setup?token=not-the-token");
        await FillSetupAsync(page);
        await Assertions.Expect(page.Locator("#setup-error")).ToContainTextAsync("not valid");

        await page.GotoAsync(setupPath);
        await FillSetupAsync(page);
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.EndsWith("/login", StringComparison.Ordinal));
        // The link works once.
        await page.GotoAsync(setupPath);
        await Assertions.Expect(page.Locator("#setup-closed")).ToBeVisibleAsync();

        await page.SignInAsync(FirstAdmin, FirstPassword);
        await page.GotoAsync("settings");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("#signed-in-user")).ToContainTextAsync($"{FirstAdmin} (admin)");
        await Assertions.Expect(page.Locator("[data-testid=ipv4-current]")).ToHaveTextAsync("off");
        await page.Locator("[data-testid=ipv4-forwarding] input[type=checkbox]").ClickAsync();
        await page.Locator("button[data-testid=apply]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=ipv4-current]")).ToHaveTextAsync("on");
        Assert.Equal("1", lab.Exec(lab.Gateway, "cat", "/proc/sys/net/ipv4/ip_forward").StandardOutput.Trim());

        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.EndsWith("/login", StringComparison.Ordinal));
        await page.GotoAsync("settings");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.EndsWith("/login", StringComparison.Ordinal));

        await AssertFirstRunAuditTrailAsync(page, app);
        await page.CloseAsync();
    }

    /// <summary>
    /// What the first run left in the audit log: the refused token, the setup, the sign-in, the settings change and the
    /// sign-out, by whom — on the Audit log page (signed in again) and in the database.
    /// </summary>
    private static async Task AssertFirstRunAuditTrailAsync(IPage page, NatgwProcess app)
    {
        await page.SignInAsync(FirstAdmin, FirstPassword);
        await page.GotoAsync("audit");
        await page.WaitForInteractiveAsync();
        var actions = page.Locator("[data-testid=audit-row-action]");
        await Assertions.Expect(actions.Filter(new LocatorFilterOptions { HasTextString = "ui changing kernel settings" })).ToHaveCountAsync(1);
        await Assertions.Expect(actions.Filter(new LocatorFilterOptions { HasTextRegex = new Regex("^logout$") })).ToHaveCountAsync(1);
        await Assertions.Expect(actions.Filter(new LocatorFilterOptions { HasTextRegex = new Regex("^setup$") })).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=audit-row-actor]").Filter(new LocatorFilterOptions { HasTextString = FirstAdmin }).First).ToBeVisibleAsync();

        using var db = new SqliteConnection($"Data Source={app.DatabasePath};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT Actor || ' ' || Action || ' ' || Result FROM AuditLog ORDER BY Id";
        var rows = new List<string>();
        using (var reader = cmd.ExecuteReader())
            while (reader.Read()) rows.Add(reader.GetString(0));
        var trail = string.Join("\n", rows);
        Assert.Contains("anonymous setup Failed", trail);
        Assert.Contains($"{FirstAdmin} setup Succeeded", trail);
        Assert.Contains($"{FirstAdmin} login Succeeded", trail);
        Assert.Contains($"{FirstAdmin} logout Succeeded", trail);
        Assert.Contains($"{FirstAdmin} ui changing kernel settings Succeeded", trail);
    }

    [BrowserFact]
    public async Task Totp_enrolment_on_the_account_page_then_sign_in_needs_a_code()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        await using var proxy = new NamespaceTcpProxy(lab.Client, new IPEndPoint(IPAddress.Parse(NamespaceLab.GatewayLanAddress), 5080));
        var page = await chromium.NewPageAsync(proxy.LocalUri);

        await page.GotoAsync("account");
        await page.WaitForInteractiveAsync();
        await page.Locator("button[data-testid=totp-start]").ClickAsync();
        var key = (await page.Locator("[data-testid=totp-key]").TextContentAsync())!.Trim();
        await Assertions.Expect(page.Locator("[data-testid=totp-uri]")).ToContainTextAsync($"secret={key}");
        await page.Locator("input[data-testid=totp-code]").FillAsync(Code(key));
        await page.Locator("button[data-testid=totp-confirm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=recovery-codes] li")).ToHaveCountAsync(10);
        var recovery = (await page.Locator("[data-testid=recovery-codes] li").First.TextContentAsync())!.Trim();

        // The second factor renewed the security stamp: this browser's cookie no longer works.
        await page.GotoAsync("settings");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.EndsWith("/login", StringComparison.Ordinal));

        // Password, then a wrong code, then the right one.
        await page.SignInAsync(TestAccounts.AdminName, TestAccounts.AdminPassword);
        Assert.EndsWith("/login/2fa", new Uri(page.Url).AbsolutePath);
        await page.Locator("#login-code").FillAsync("000000");
        if (Code(key) == "000000") await page.Locator("#login-code").FillAsync("111111");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Verify" }).ClickAsync();
        await Assertions.Expect(page.Locator("#login-error")).ToBeVisibleAsync();
        await page.Locator("#login-code").FillAsync(Code(key));
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Verify" }).ClickAsync();
        await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/login", StringComparison.Ordinal));
        await page.GotoAsync("account");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=totp-state]")).ToContainTextAsync("10 recovery code(s) left");

        // A recovery code works once, in a fresh browser.
        var other = await chromium.NewPageAsync(proxy.LocalUri, signIn: false);
        await other.SignInAsync(TestAccounts.AdminName, TestAccounts.AdminPassword);
        await other.Locator("#login-code").FillAsync(recovery);
        await other.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Verify" }).ClickAsync();
        await other.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/login", StringComparison.Ordinal));
        await other.GotoAsync("account");
        await other.WaitForInteractiveAsync();
        await Assertions.Expect(other.Locator("[data-testid=totp-state]")).ToContainTextAsync("9 recovery code(s) left");
        await other.CloseAsync();
        await page.CloseAsync();
    }

    private static async Task FillSetupAsync(IPage page)
    {
        await page.Locator("#setup-name").FillAsync(FirstAdmin);
        await page.Locator("#setup-password").FillAsync(FirstPassword);
        await page.Locator("#setup-password2").FillAsync(FirstPassword);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Create admin" }).ClickAsync();
    }

    /// <summary>The current code, as the user's authenticator app shows it.</summary>
    private static string Code(string base32Key) => new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(base32Key)).ComputeTotp();

    [GeneratedRegex(@"https?://[^/\s]+(?<path>/setup\?token=[A-Za-z0-9_-]+)")]
    private static partial Regex SetupLink();
}
