using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace NatGateway.Benchmarks.AppScale;

/// <summary>One load of the Rules page: time to the first rule row visible with the circuit live (null: not within the
/// limit), and natgw serve's peak RSS during it (MiB).</summary>
internal sealed record PageLoad(double? UsableMs, double PeakRssMiB, string? Failure, string Timeline = "");

/// <summary>
/// Headless Debian Chromium (<c>/usr/bin/chromium</c>; Playwright never downloads a browser) opening <c>/rules</c> of a
/// natgw serve, signed in as the lab admin. Usable = the first <c>[data-testid=rule-name]</c> cell is visible and the
/// layout's <c>[data-interactive=true]</c> marker says the Blazor circuit is live (clicks work), timed from navigation.
/// </summary>
internal sealed class RulesPageProbe : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private RulesPageProbe(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static async Task<RulesPageProbe> StartAsync()
    {
        if (!File.Exists(ChromiumPath)) throw new FileNotFoundException($"{ChromiumPath} is not installed (apt-get install chromium)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
        return new RulesPageProbe(playwright, browser);
    }

    /// <summary>Signs in through the sign-in page once; the returned storage state (cookie) is reused by every load.</summary>
    public async Task<string> SignInAsync(Uri baseUrl, string user, string password)
    {
        await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync("login");
        await page.Locator("#login-name").FillAsync(user);
        await page.Locator("#login-password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.EndsWith("/login", StringComparison.Ordinal));
        return await context.StorageStateAsync();
    }

    public async Task<PageLoad> LoadAsync(Uri baseUrl, string session, int webPid, TimeSpan limit)
    {
        await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl.ToString(), StorageState = session });
        var page = await context.NewPageAsync();
        using var sampler = new RssSampler(webPid);
        var clock = Stopwatch.StartNew();
        // Where the time goes: when each response finished (ms from navigation, KB on the wire) and the circuit's frames
        // from the server (the first interactive render batch is the large one).
        var timeline = new System.Collections.Concurrent.ConcurrentQueue<string>();
        string At() => clock.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
        page.RequestFinished += (_, request) =>
        {
            var path = new Uri(request.Url).AbsolutePath;
            var name = path.Length > 1 ? path[(path.LastIndexOf('/') + 1)..] : path;
            timeline.Enqueue($"{At()} {name}");
        };
        page.WebSocket += (_, socket) =>
        {
            timeline.Enqueue($"{At()} ws open");
            socket.FrameReceived += (_, frame) =>
            {
                var size = frame.Binary?.Length ?? frame.Text?.Length ?? 0;
                if (size > 2048) timeline.Enqueue($"{At()} ws<{size / 1024} KB");
            };
        };
        try
        {
            await page.GotoAsync("rules", new PageGotoOptions { WaitUntil = WaitUntilState.Commit, Timeout = (float)limit.TotalMilliseconds });
            var remaining = Math.Max(1, limit.TotalMilliseconds - clock.Elapsed.TotalMilliseconds);
            await page.Locator("[data-testid=rule-name]").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = (float)remaining });
            timeline.Enqueue($"{At()} row visible");
            remaining = Math.Max(1, limit.TotalMilliseconds - clock.Elapsed.TotalMilliseconds);
            await page.Locator("[data-interactive=true]").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = (float)remaining });
            var usable = clock.Elapsed.TotalMilliseconds;
            timeline.Enqueue($"{At()} interactive");
            return new PageLoad(usable, await sampler.StopAsync(), null, string.Join(", ", timeline));
        }
        catch (TimeoutException)
        {
            return new PageLoad(null, await sampler.StopAsync(), string.Create(CultureInfo.InvariantCulture, $"not usable within {limit.TotalSeconds:0} s"));
        }
        catch (PlaywrightException e)
        {
            return new PageLoad(null, await sampler.StopAsync(), e.Message.Split('\n')[0]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

/// <summary>Polls a process's VmRSS (/proc/PID/status) every 50 ms and keeps the peak.</summary>
internal sealed class RssSampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly int _pid;
    private double _peakMiB;

    public RssSampler(int pid)
    {
        _pid = pid;
        _peakMiB = ReadMiB(pid);
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                _peakMiB = Math.Max(_peakMiB, ReadMiB(_pid));
                try { await Task.Delay(50, _stop.Token); } catch (OperationCanceledException) { }
            }
        });
    }

    public async Task<double> StopAsync()
    {
        _stop.Cancel();
        await _loop;
        return Math.Max(_peakMiB, ReadMiB(_pid));
    }

    /// <summary>VmRSS in MiB (0 when the process is gone).</summary>
    public static double ReadMiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException) { }
        return 0;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
