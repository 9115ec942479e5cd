using Microsoft.Playwright;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Browser.Tests;

/// <summary>
/// One headless Debian Chromium (/usr/bin/chromium) for all browser tests. Playwright never downloads a
/// browser here: the executable path is fixed, and the flags keep Chromium off the (closed) network.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private IPlaywright? _playwright;

    public IBrowser? Browser { get; private set; }

    // Expect(...) polls until its state holds; Playwright's 5 s default fails on a loaded 2-core CI box.
    static ChromiumFixture() => Assertions.SetDefaultExpectTimeout(30_000);

    /// <summary>Sign-in cookies by "base URL|user": natgw limits sign-ins to 10 a minute per address, and a test that
    /// opens many pages on one natgw (PagesBrowserTests) would exceed that if every page signed in again.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _sessions = new();

    /// <summary>
    /// A new page (its own browser context) on <paramref name="baseUrl"/>, signed in as <paramref name="user"/> (the
    /// lab's admin by default) unless <paramref name="signIn"/> is false; actions (click, fill) wait up to 60 s for their
    /// element. The first page signs in through the sign-in page; later ones reuse its cookie while natgw accepts it.
    /// </summary>
    public async Task<IPage> NewPageAsync(Uri baseUrl, BrowserNewPageOptions? options = null, bool signIn = true,
        string user = TestAccounts.AdminName, string password = TestAccounts.AdminPassword)
    {
        options ??= new BrowserNewPageOptions();
        options.BaseURL = baseUrl.ToString();
        var key = $"{baseUrl}|{user}";
        if (signIn && _sessions.TryGetValue(key, out var session)) options.StorageState = session;
        var page = await Browser!.NewPageAsync(options);
        page.SetDefaultTimeout(60_000);
        if (!signIn) return page;
        if (options.StorageState is not null)
        {
            // A proxy port can be reused by a later test's natgw, which does not know the cookie: then sign in again.
            var probe = await page.APIRequest.GetAsync("api/v1/settings");
            if (probe.Ok) return page;
        }
        await page.SignInAsync(user, password);
        _sessions[key] = await page.Context.StorageStateAsync();
        return page;
    }

    public static string? SkipReason =>
        Root.SkipReason ?? (File.Exists(ChromiumPath) ? null : $"{ChromiumPath} is not installed (apt-get install chromium)");

    public async Task InitializeAsync()
    {
        if (SkipReason is not null) return;
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ChromiumCollection : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "chromium";
}

/// <summary>A browser fact: needs root (lab namespaces) and Debian's Chromium.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (ChromiumFixture.SkipReason is { } reason) Skip = reason;
    }
}

public static class PageExtensions
{
    /// <summary>Signs in through the sign-in page and waits until it has sent the browser on.</summary>
    public static async Task SignInAsync(this IPage page, string user, string password)
    {
        await page.GotoAsync("login");
        await page.Locator("#login-name").FillAsync(user);
        await page.Locator("#login-password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();
        // The sign-in hashes the password and may be the server's first request (JIT): on a loaded box it has taken over
        // the page's 60 s default. Waited for is the URL leaving /login, polled by Playwright's URL assertion, not the next
        // page's load event: twice that event had not fired 180 s after the sign-in went through ("NetworkIdle" had), and
        // WaitForURLAsync waits for it whenever the URL already matches, whatever its WaitUntil. What each test needs next
        // it waits for itself (a page's marker, a locator).
        await Assertions.Expect(page).Not.ToHaveURLAsync(SignInPage, new PageAssertionsToHaveURLOptions { Timeout = 180_000 });
    }

    /// <summary>The sign-in page's URL, with or without a query (<c>?ReturnUrl=…</c>).</summary>
    public static readonly System.Text.RegularExpressions.Regex SignInPage = new(@"^[a-z]+://[^/]+/login(\?.*)?$");

    /// <summary>Blazor Server handles clicks only once its circuit is up: wait for the layout's marker.</summary>
    public static Task WaitForInteractiveAsync(this IPage page) =>
        page.Locator("[data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });

    /// <summary>The open MudBlazor dialog, once it is visible (typing into a dialog that is still opening is lost).</summary>
    public static async Task<ILocator> OpenDialogAsync(this IPage page)
    {
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        return dialog;
    }

    /// <summary>
    /// Clicks a button that opens a MudBlazor dialog and returns the dialog once visible. A page that re-renders from a
    /// live subscription (the Doctor page after a run) can move the button under the pointer between Playwright's
    /// hit test and the click, and the click lands beside it: clicked again until the dialog is open (the state waited
    /// for), at most until the deadline.
    /// </summary>
    public static async Task<ILocator> ClickToOpenDialogAsync(this IPage page, ILocator button)
    {
        var dialog = page.Locator(".mud-dialog");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await button.ClickAsync();
            try
            {
                await Assertions.Expect(dialog).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 5_000 });
                return dialog;
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
                // Still opening (in the DOM, not yet visible): wait for it instead of clicking again.
                if (await dialog.CountAsync() > 0)
                {
                    await Assertions.Expect(dialog).ToBeVisibleAsync();
                    return dialog;
                }
            }
        }
    }

    /// <summary>
    /// Opens the Rules page's "Add rule" menu, clicks the item <paramref name="kind"/> (e.g. "dnat") and returns the rule
    /// editor once its dialog is visible. The page re-renders after the first render and after each save (pending diff,
    /// lint, drift and counters load then): a click on the menu button can be lost, and an open menu's items can be
    /// replaced under the pointer ("element was detached from the DOM" until the 60 s default on a loaded box). So the
    /// state waited for is the editor's dialog: menu and item are clicked again, with short waits, until it is open.
    /// </summary>
    public static async Task<ILocator> ClickAddRuleAsync(this IPage page, string kind)
    {
        var menu = page.Locator("[data-testid=add-rule] button").First;
        var item = page.Locator($"[data-testid=add-{kind}]");
        var dialog = page.Locator(".mud-dialog");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try
            {
                if (await item.CountAsync() == 0) await menu.ClickAsync(new LocatorClickOptions { Timeout = 10_000 });
                await item.ClickAsync(new LocatorClickOptions { Timeout = 10_000 });
                await Assertions.Expect(dialog).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 10_000 });
                return dialog;
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException && DateTime.UtcNow < deadline)
            {
                // The dialog is opening after all (in the DOM, not yet visible): wait for it rather than click again.
                if (await dialog.CountAsync() > 0)
                {
                    await Assertions.Expect(dialog).ToBeVisibleAsync();
                    return dialog;
                }
            }
        }
    }

    /// <summary>Clicks a button that closes the open dialog and waits until the dialog is gone.</summary>
    public static async Task CloseDialogWithAsync(this IPage page, ILocator button)
    {
        await button.ClickAsync();
        await Assertions.Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);
    }
}
