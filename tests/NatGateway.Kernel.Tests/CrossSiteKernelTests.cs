using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// Cross-site and host protection against the real natgw in the lab gateway: an operator signed in with the cookie
/// (HttpClient with a cookie jar, signed in through the /login form) is the victim; requests a foreign page could make
/// are refused and change nothing (rules, settings, revisions and the kernel's ip_forward compared before and after).
/// </summary>
public sealed partial class CrossSiteKernelTests
{
    private const string Foreign = "http://evil.example";
    private static readonly string Own = $"http://{NamespaceLab.GatewayLanAddress}:5080";

    [KernelFact]
    public async Task Cookie_requests_from_another_origin_are_refused_and_change_nothing_while_same_origin_and_bearer_requests_work()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        using (var created = await app.Http.PostAsync("api/v1/rules", Json(Rule("existing"))))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ruleId = JsonDocument.Parse(await app.Http.GetStringAsync("api/v1/rules")).RootElement.EnumerateArray().First().GetProperty("id").GetString();
        using var cookie = await SignInAsync(app);
        using (var read = await cookie.GetAsync("api/v1/rules"))
            Assert.Equal(HttpStatusCode.OK, read.StatusCode); // the cookie is a working credential
        var before = await SnapshotAsync(app, lab);

        // A text/plain POST is a "simple" request: a foreign page can send it without a preflight.
        await AssertRefusedAsync(cookie, HttpMethod.Post, "api/v1/rules", Text(Rule("planted")), origin: Foreign);
        await AssertRefusedAsync(cookie, HttpMethod.Post, "api/v1/rules", Text(Rule("planted")), origin: null);
        await AssertRefusedAsync(cookie, HttpMethod.Post, "api/v1/rules", Text(Rule("planted")), origin: "null");
        await AssertRefusedAsync(cookie, HttpMethod.Post, "api/v1/rules", Text(Rule("planted")), origin: null, fetchSite: "cross-site");
        // Same host, another port: same-site (the SameSite=Strict cookie is sent) but another origin.
        await AssertRefusedAsync(cookie, HttpMethod.Post, "api/v1/rules", Json(Rule("planted")), origin: $"http://{NamespaceLab.GatewayLanAddress}:8080");
        await AssertRefusedAsync(cookie, HttpMethod.Post, "api/v1/rules/apply",
            new FormUrlEncodedContent([new("comment", "cross-site apply")]), origin: Foreign);
        await AssertRefusedAsync(cookie, HttpMethod.Put, "api/v1/settings", Json("""{"ipv4Forwarding": true}"""), origin: Foreign);
        await AssertRefusedAsync(cookie, HttpMethod.Put, $"api/v1/rules/{ruleId}", Json(Rule("renamed")), origin: Foreign);
        await AssertRefusedAsync(cookie, HttpMethod.Delete, $"api/v1/rules/{ruleId}", null, origin: Foreign);
        await AssertRefusedAsync(cookie, HttpMethod.Post, "api/v1/revisions/1/rollback", null, origin: Foreign);
        // The hub: negotiate (a POST) and the WebSocket with a foreign Origin.
        await AssertRefusedAsync(cookie, HttpMethod.Post, "_blazor/negotiate?negotiateVersion=1", null, origin: Foreign);
        Assert.Equal(HttpStatusCode.Forbidden, await WebSocketStatusAsync(app, Foreign));

        Assert.Equal(before, await SnapshotAsync(app, lab));

        // The same cookie from natgw's own origin works (the refusals above were about the origin, not the credential) ...
        using (var negotiate = await SendAsync(cookie, HttpMethod.Post, "_blazor/negotiate?negotiateVersion=1", null, origin: Own))
            Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        using (var own = await SendAsync(cookie, HttpMethod.Post, "api/v1/rules", Json(Rule("same origin", 8081)), origin: Own))
            Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        using (var fetchMetadata = await SendAsync(cookie, HttpMethod.Post, "api/v1/rules", Json(Rule("same origin 2", 8082)), origin: null, fetchSite: "same-origin"))
            Assert.Equal(HttpStatusCode.Created, fetchMetadata.StatusCode);
        // An antiforgery token issued to this signed-in user (the sign-in page's form renders one) stands in for the Origin;
        // a made-up one does not.
        var token = HiddenField(await cookie.GetStringAsync("login"), "__RequestVerificationToken");
        Assert.True(token.Length > 0, "the sign-in page rendered no antiforgery token for the signed-in user");
        using (var withToken = new HttpRequestMessage(HttpMethod.Post, "api/v1/rules") { Content = Json(Rule("with token", 8083)) })
        {
            withToken.Headers.Add("RequestVerificationToken", token);
            using var accepted = await cookie.SendAsync(withToken);
            Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        }
        using (var forged = new HttpRequestMessage(HttpMethod.Post, "api/v1/rules") { Content = Text(Rule("forged token", 8084)) })
        {
            forged.Headers.Add("RequestVerificationToken", "CfDJ8forged");
            forged.Headers.Add("Origin", Foreign);
            using var refused = await cookie.SendAsync(forged);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        // ... and an API token needs no Origin at all (no ambient credential).
        using (var bearer = await SendAsync(app.Http, HttpMethod.Put, "api/v1/settings", Json("""{"ipv4Forwarding": true}"""), origin: null))
            Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal("1", lab.Exec(lab.Gateway, "cat", "/proc/sys/net/ipv4/ip_forward").StandardOutput.Trim());
    }

    [KernelFact]
    public async Task A_foreign_host_header_is_refused_before_anything_runs_and_security_headers_are_on_every_response()
    {
        using var lab = NamespaceLab.Create();
        // natgw's own default host list (no test allowance for the loopback proxy).
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, allowLoopbackProxy: false);
        var before = await SnapshotAsync(app, lab);

        foreach (var host in new[] { "evil.example", "evil.example:5080", "127.0.0.1:5080", "localhost:5080", $"{NamespaceLab.GatewayWanAddress}:5080" })
        {
            using var put = new HttpRequestMessage(HttpMethod.Put, "api/v1/settings") { Content = Json("""{"ipv4Forwarding": true}""") };
            put.Headers.Host = host;
            using var refused = await app.Http.SendAsync(put);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"Host {host}: {(int)refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");
            using var health = new HttpRequestMessage(HttpMethod.Get, "healthz");
            health.Headers.Host = host;
            Assert.Equal(HttpStatusCode.BadRequest, (await app.Http.SendAsync(health)).StatusCode);
        }
        Assert.Equal(before, await SnapshotAsync(app, lab));

        // The listen address and the machine's name are natgw's.
        foreach (var host in new[] { $"{NamespaceLab.GatewayLanAddress}:5080", $"{Dns.GetHostName()}:5080" })
        {
            using var health = new HttpRequestMessage(HttpMethod.Get, "healthz");
            health.Headers.Host = host;
            Assert.Equal(HttpStatusCode.OK, (await app.Http.SendAsync(health)).StatusCode);
        }

        // Headers: a page, an API response, a static file, a refusal.
        using var cookie = await SignInAsync(app);
        foreach (var (client, path) in new[] { (cookie, ""), (cookie, "settings"), (app.Http, "api/v1/rules"), (app.Http, "app.css"),
                     (app.Http, "_content/MudBlazor/MudBlazor.min.js"), (app.CreateClient(null), "api/v1/rules") })
        {
            using var response = await client.GetAsync(path);
            AssertSecurityHeaders(response, path);
            Assert.False(response.Headers.Contains("Strict-Transport-Security"), "no HSTS over plain HTTP");
        }
    }

    [KernelFact]
    public async Task Https_with_a_pem_certificate_serves_pages_and_api_and_sets_hsts_and_secure_cookies()
    {
        using var lab = NamespaceLab.Create();
        var directory = Directory.CreateTempSubdirectory("natgw-tls-").FullName;
        try
        {
            var certificatePath = Path.Combine(directory, "cert.pem");
            var keyPath = Path.Combine(directory, "key.pem");
            ProcessRunner.Run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", $"/CN={NamespaceLab.GatewayLanAddress}",
                "-addext", $"subjectAltName=IP:{NamespaceLab.GatewayLanAddress}", "-keyout", keyPath, "-out", certificatePath], TimeSpan.FromSeconds(60))
                .EnsureSuccess("openssl");
            using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress, port: 5443,
                extraArgs: ["--https-certificate", certificatePath, "--https-key", keyPath], httpsCertificate: certificate);
            Assert.Equal("https", app.BaseAddress.Scheme);

            using (var api = await app.Http.GetAsync("api/v1/settings"))
            {
                Assert.Equal(HttpStatusCode.OK, api.StatusCode);
                AssertSecurityHeaders(api, "api over https");
                Assert.Equal("max-age=31536000", string.Join(",", api.Headers.GetValues("Strict-Transport-Security")));
            }
            using var login = app.CreateClient(null);
            using var page = await login.GetAsync("login");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.True(page.Headers.Contains("Strict-Transport-Security"));
            var (cookie, auth) = await SignInWithCookieAsync(app);
            using (cookie)
            {
                Assert.True(auth.Secure, "the sign-in cookie is Secure under HTTPS");
                using var home = await cookie.GetAsync("");
                Assert.Equal(HttpStatusCode.OK, home.StatusCode);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static void AssertSecurityHeaders(HttpResponseMessage response, string what)
    {
        string Header(string name) =>
            response.Headers.TryGetValues(name, out var v) ? string.Join(",", v)
            : response.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : "";
        var csp = Header("Content-Security-Policy");
        Assert.True(csp.Contains("default-src 'self'") && csp.Contains("script-src 'self';") && csp.Contains("frame-ancestors 'none'"), $"{what}: CSP '{csp}'");
        Assert.True(Header("X-Content-Type-Options") == "nosniff", $"{what}: X-Content-Type-Options");
        Assert.True(Header("Referrer-Policy") == "no-referrer", $"{what}: Referrer-Policy");
        Assert.True(Header("X-Frame-Options") == "DENY", $"{what}: X-Frame-Options");
        Assert.True(Header("Cross-Origin-Opener-Policy") == "same-origin", $"{what}: Cross-Origin-Opener-Policy");
    }

    /// <summary>Signs in as the lab admin by posting the /login form with its antiforgery token; the client keeps the cookie.</summary>
    internal static async Task<HttpClient> SignInAsync(NatgwProcess app) => (await SignInWithCookieAsync(app)).Client;

    internal static async Task<(HttpClient Client, Cookie Auth)> SignInWithCookieAsync(NatgwProcess app)
    {
        var jar = new CookieContainer();
        var client = app.CreateClient(null, h => { h.CookieContainer = jar; h.UseCookies = true; });
        var form = await client.GetStringAsync("login");
        string Hidden(string name) => HiddenField(form, name);
        using var response = await client.PostAsync("login", new FormUrlEncodedContent(
        [
            new("_handler", "login"),
            new("__RequestVerificationToken", Hidden("__RequestVerificationToken")),
            new("Input.Name", TestAccounts.AdminName),
            new("Input.Password", TestAccounts.AdminPassword),
        ]));
        Assert.True(response.IsSuccessStatusCode, $"sign-in: {(int)response.StatusCode}");
        var auth = jar.GetCookies(app.BaseAddress).Cast<Cookie>().FirstOrDefault(c => c.Name == "natgw.auth");
        Assert.True(auth is not null, "the sign-in set no natgw.auth cookie");
        return (client, auth);
    }

    private static string HiddenField(string html, string name) =>
        WebUtility.HtmlDecode(Regex.Match(html, $"name=\"{Regex.Escape(name)}\"[^>]*value=\"([^\"]*)\"").Groups[1].Value);

    private static async Task AssertRefusedAsync(HttpClient client, HttpMethod method, string path, HttpContent? body, string? origin, string? fetchSite = null)
    {
        using var response = await SendAsync(client, method, path, body, origin, fetchSite);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} (Origin {origin ?? "none"}): {(int)response.StatusCode} {text}");
        Assert.Contains("Cross-site request refused", text);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, HttpContent? body, string? origin, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body };
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (fetchSite is not null) request.Headers.Add("Sec-Fetch-Site", fetchSite);
        return client.SendAsync(request);
    }

    private static async Task<HttpStatusCode> WebSocketStatusAsync(NatgwProcess app, string origin)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", origin);
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) => new NetworkStream(await NamespaceSockets.ConnectAsync(app.Namespace,
                new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), ct), ownsSocket: true),
        };
        using var invoker = new HttpMessageInvoker(handler);
        try
        {
            await socket.ConnectAsync(new Uri($"ws://{NamespaceLab.GatewayLanAddress}:5080/_blazor?id=x"), invoker, CancellationToken.None);
        }
        catch (WebSocketException) { }
        return socket.HttpStatusCode;
    }

    /// <summary>Everything a cross-site request could change, as text: rules, settings, revisions and the kernel's forwarding switch.</summary>
    private static async Task<string> SnapshotAsync(NatgwProcess app, NamespaceLab lab) =>
        string.Join("\n", await app.Http.GetStringAsync("api/v1/rules"), await app.Http.GetStringAsync("api/v1/settings"),
            await app.Http.GetStringAsync("api/v1/revisions"), lab.Exec(lab.Gateway, "cat", "/proc/sys/net/ipv4/ip_forward").StandardOutput.Trim());

    private static string Rule(string name, int port = 8080) => $$"""
        {"kind": "dnat", "name": "{{name}}", "inInterfaces": ["lan0"], "protocol": "tcp",
         "destinationPort": "{{port}}", "targetAddress": "{{NamespaceLab.ServerAddress}}", "targetPort": "80"}
        """;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
    private static StringContent Text(string body) => new(body, Encoding.UTF8, "text/plain");
}
