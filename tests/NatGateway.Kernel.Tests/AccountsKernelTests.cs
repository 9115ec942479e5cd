using System.Net;
using System.Text.RegularExpressions;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// Signing in to a real natgw over HTTP the way a browser does (GET the form, POST it with the antiforgery token):
/// lockout, the per-address rate limit, a cookie that stops working after a password change, and accounts made with
/// <c>natgw user</c> on the console.
/// </summary>
[LongRunning(567)]
public sealed partial class AccountsKernelTests
{
    private const string LockedOrWrong = "Wrong name or password, or too many failed attempts";

    [KernelFact]
    public async Task Five_failures_lock_the_account_then_the_address_is_rate_limited_with_retry_after()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        using var browser = new Browser(app);

        // Five wrong passwords; the fifth locks the account, so the right password is refused too, with the same words
        // as for a name that does not exist (the message tells nothing about which names exist).
        for (var i = 0; i < 5; i++)
        {
            var failed = await browser.SignInAsync(TestAccounts.AdminName, "not the password " + i);
            Assert.Equal(HttpStatusCode.OK, failed.Status);
            Assert.Contains(LockedOrWrong, failed.Body);
        }
        var locked = await browser.SignInAsync(TestAccounts.AdminName, TestAccounts.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, locked.Status);
        var unknown = await browser.SignInAsync("nobody-here", TestAccounts.AdminPassword);
        Assert.Equal(ErrorText(locked.Body), ErrorText(unknown.Body));
        Assert.False(browser.HasAuthCookie);

        // `natgw user list` shows the lock. Seven sign-in posts so far; the tenth in the minute is the last one allowed.
        var list = Natgw(app, "user", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"admin\s+admin\s+off\s+never\s+until", list.StandardOutput);
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await browser.SignInAsync("nobody-here", "x")).Status);
        var limited = await browser.SignInAsync("nobody-here", "x");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.True(int.Parse(limited.RetryAfter!, System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 60, limited.RetryAfter);
        // Reading pages is not limited.
        using var get = await browser.Client.GetAsync("login");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [KernelFact]
    public async Task A_user_added_on_the_console_signs_in_and_a_password_change_ends_the_old_cookie()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);

        // Refused input: exit code 2 with the field; nothing is created.
        var badRole = Natgw(app, "user", "add", "olga", "--role", "root", "--password-stdin");
        Assert.Equal(2, badRole.ExitCode);
        Assert.Contains("role", badRole.StandardError);
        var shortPassword = NatgwWithInput(app, "short\n", "user", "add", "olga", "--role", "operator", "--password-stdin");
        Assert.Equal(2, shortPassword.ExitCode);
        Assert.Contains("password", shortPassword.StandardError);

        var added = NatgwWithInput(app, "olga's first password\n", "user", "add", "olga", "--role", "operator", "--password-stdin");
        Assert.True(added.ExitCode == 0, added.StandardError);
        Assert.Contains("user olga (operator) created", added.StandardOutput);

        // Anonymous: the account pages and POST /logout send to the sign-in page.
        using (var anonymous = new Browser(app))
        {
            foreach (var path in new[] { "users", "account" })
            {
                using var page = await anonymous.Client.GetAsync(path);
                Assert.Equal(HttpStatusCode.Found, page.StatusCode);
                Assert.Contains("/login", page.Headers.Location!.OriginalString);
            }
            using var logout = await anonymous.Client.PostAsync("logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
            Assert.Equal(HttpStatusCode.Found, logout.StatusCode);
            Assert.Contains("/login", logout.Headers.Location!.OriginalString);
        }

        using var olga = new Browser(app);
        var signedIn = await olga.SignInAsync("olga", "olga's first password");
        Assert.Equal(HttpStatusCode.Found, signedIn.Status);
        Assert.True(olga.HasAuthCookie);
        using (var settings = await olga.Client.GetAsync("api/v1/settings"))
            Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        // An operator is not an admin: the Users page sends her to /denied.
        using (var users = await olga.Client.GetAsync("users"))
        {
            Assert.Equal(HttpStatusCode.Found, users.StatusCode);
            Assert.Contains("/denied", users.Headers.Location!.OriginalString);
        }

        // Signing out needs the antiforgery token: a post without one and without a same-origin Origin (a cross-site
        // form) is refused by the cross-site check before the endpoint runs, and signs nobody out.
        using (var forged = await olga.Client.PostAsync("logout", new FormUrlEncodedContent(new Dictionary<string, string>())))
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        using (var still = await olga.Client.GetAsync("api/v1/settings"))
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);

        // The password changes on the console: the cookie issued before stops working at its next request.
        var passwd = NatgwWithInput(app, "olga's second password\n", "user", "passwd", "olga", "--password-stdin");
        Assert.True(passwd.ExitCode == 0, passwd.StandardError);
        using (var refused = await olga.Client.GetAsync("api/v1/settings"))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using (var page = await olga.Client.GetAsync(""))
        {
            Assert.Equal(HttpStatusCode.Found, page.StatusCode);
            Assert.Contains("login", page.Headers.Location!.OriginalString);
        }
        Assert.Contains(LockedOrWrong, (await new Browser(app).SignInAsync("olga", "olga's first password")).Body);
        using var again = new Browser(app);
        Assert.Equal(HttpStatusCode.Found, (await again.SignInAsync("olga", "olga's second password")).Status);

        // set-role and remove; the last admin stays.
        Assert.Equal(0, Natgw(app, "user", "set-role", "olga", "viewer").ExitCode);
        var demoteLast = Natgw(app, "user", "set-role", TestAccounts.AdminName, "viewer");
        Assert.Equal(2, demoteLast.ExitCode);
        Assert.Contains("last admin", demoteLast.StandardError);
        Assert.Equal(2, Natgw(app, "user", "remove", TestAccounts.AdminName).ExitCode);
        Assert.Equal(0, Natgw(app, "user", "remove", "olga").ExitCode);
        Assert.DoesNotContain("olga", Natgw(app, "user", "list").StandardOutput);
        Assert.Equal(2, Natgw(app, "user", "remove", "olga").ExitCode);

        // Console changes are audited with the actor "cli".
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={app.DatabasePath};Mode=ReadOnly");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM AuditLog WHERE Actor = 'cli' AND Action IN ('user.add', 'user.passwd', 'user.role', 'user.remove')";
        Assert.Equal(4L, (long)cmd.ExecuteScalar()!);
    }

    [KernelFact]
    public void User_commands_exit_3_on_an_unusable_database()
    {
        var dir = Directory.CreateTempSubdirectory("natgw-user-cli-").FullName;
        try
        {
            var db = Path.Combine(dir, "natgw.db");
            File.WriteAllText(db, "this is not a database, just text that is long enough to not be empty");
            var result = ProcessRunner.Run("dotnet", [RepositoryPaths.NatgwDll, "user", "list", "--db", db], TimeSpan.FromSeconds(180));
            Assert.Equal(3, result.ExitCode);
            Assert.Contains(db, result.StandardError);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static CommandResult Natgw(NatgwProcess app, params string[] args) => NatgwWithInput(app, null, args);

    /// <summary>The user commands only touch the database: they run beside natgw, as root on the console would.</summary>
    private static CommandResult NatgwWithInput(NatgwProcess app, string? stdin, params string[] args) =>
        ProcessRunner.Run("dotnet", [RepositoryPaths.NatgwDll, .. args, "--db", app.DatabasePath], TimeSpan.FromSeconds(180), stdin);

    private static string ErrorText(string body) => LoginError().Match(body).Groups[1].Value;

    [GeneratedRegex("id=\"login-error\"[^>]*>(.*?)</div>", RegexOptions.Singleline)]
    private static partial Regex LoginError();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>A cookie-keeping client in the lab's client network that does not follow redirects.</summary>
    private sealed class Browser : IDisposable
    {
        private readonly CookieContainer _cookies = new();
        private readonly Uri _base;

        public HttpClient Client { get; }

        public Browser(NatgwProcess app)
        {
            _base = app.BaseAddress;
            var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                CookieContainer = _cookies,
                ConnectCallback = async (context, ct) =>
                {
                    var socket = await NamespaceSockets.ConnectAsync(app.Namespace,
                        new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), ct);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                },
            };
            Client = new HttpClient(handler) { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        }

        public bool HasAuthCookie => _cookies.GetCookies(_base).Any(c => c.Name == "natgw.auth");

        public sealed record Answer(HttpStatusCode Status, string Body, string? RetryAfter);

        /// <summary>GET /login for the antiforgery token, then POST the form like the page does.</summary>
        public async Task<Answer> SignInAsync(string name, string password)
        {
            var form = await Client.GetStringAsync("login");
            var token = AntiforgeryField().Match(form).Groups[1].Value;
            Assert.NotEqual("", token);
            using var response = await Client.PostAsync("login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login", ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
                ["Input.Name"] = name, ["Input.Password"] = password,
            }));
            return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        public void Dispose() => Client.Dispose();
    }
}
