using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// Request limits of a real natgw in a lab namespace (issue 10, "Limits"): body caps without buffering, JSON-only bodies,
/// the comment limit, paged lists and revision retention.
/// </summary>
public sealed class LimitsKernelTests(ITestOutputHelper output)
{
    private const int Huge = 24 * 1024 * 1024;
    private const long RssLimitBytes = 500L * 1024 * 1024;

    [KernelFact]
    public async Task A_hundred_concurrent_24_MB_bodies_are_refused_early_and_natgw_stays_under_500_MB()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        var pid = NatgwPid(app);
        output.WriteLine($"natgw pid {pid}: before VmRSS {Status(pid, "VmRSS") >> 20} MB, VmHWM {Status(pid, "VmHWM") >> 20} MB");

        var payload = new byte[Huge];
        Encoding.ASCII.GetBytes("{\"name\": \"").CopyTo(payload, 0);
        payload.AsSpan(10).Fill((byte)'a');
        using var admin = Client(app, app.AdminToken);
        using var anonymous = Client(app, null);

        // admin/anonymous × Content-Length/chunked × with/without "Expect: 100-continue". Admin ones reach the endpoint (413
        // from the length, or after 1 MiB of a chunked body); anonymous ones are refused (401) from the headers. A client
        // that waits for 100-continue sees that answer before it sends any body; one that does not has its connection
        // closed by natgw long before 24 MB went through (natgw does not drain what it refused).
        var sends = Enumerable.Range(0, 100).Select(i => SendAsync(i % 2 == 0 ? admin : anonymous, payload, chunked: i / 2 % 2 == 1, expectContinue: i / 4 % 2 == 1)).ToArray();
        var outcomes = await Task.WhenAll(sends);
        var hwm = Status(pid, "VmHWM");
        output.WriteLine($"after: VmRSS {Status(pid, "VmRSS") >> 20} MB, VmHWM {hwm >> 20} MB");
        foreach (var group in outcomes.GroupBy(o => o.Expect is null ? o.Outcome : $"{o.Outcome} (expect-continue)")) output.WriteLine($"{group.Count()} × {group.Key}");

        for (var i = 0; i < outcomes.Length; i++)
        {
            var expected = i % 2 == 0 ? "413" : "401";
            var (outcome, sent, _) = outcomes[i];
            var what = $"request {i} ({(i % 2 == 0 ? "admin" : "anonymous")}, {(i / 2 % 2 == 1 ? "chunked" : "Content-Length")}, {(i / 4 % 2 == 1 ? "expect-continue" : "no expect")})";
            var bodyNeeded = i % 2 == 0 && i / 2 % 2 == 1; // only an admin's chunked body is read (up to the cap) to learn its size
            if (i / 4 % 2 == 1 && !bodyNeeded)
                Assert.True(outcome == expected && sent == 0, $"{what}: {outcome} after {sent} bytes, expected {expected} before any of the body was sent");
            else Assert.True(outcome == expected || (outcome.StartsWith("closed", StringComparison.Ordinal) && sent < Huge),
                $"{what}: {outcome} after {sent} bytes, expected {expected} or the connection closed before the whole body was sent");
        }
        Assert.True(hwm < RssLimitBytes, $"natgw's peak RSS was {hwm >> 20} MB (limit {RssLimitBytes >> 20} MB)");

        // Still serving, and nothing was made of the bodies.
        Assert.Equal(0, (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules")).GetArrayLength());
    }

    /// <summary>A client into natgw's namespace that waits for "100 Continue" as long as it takes (not the default 1 s).</summary>
    private static HttpClient Client(NatgwProcess app, string? token)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) => new NetworkStream(
                await NamespaceSockets.ConnectAsync(app.Namespace, new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port), ct), ownsSocket: true),
            Expect100ContinueTimeout = TimeSpan.FromSeconds(120),
        };
        var client = new HttpClient(handler) { BaseAddress = app.BaseAddress, Timeout = TimeSpan.FromSeconds(180) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The status natgw answered with (or how the exchange ended without one) and how many body bytes were sent.</summary>
    private static async Task<(string Outcome, long Sent, bool? Expect)> SendAsync(HttpClient client, byte[] payload, bool chunked, bool expectContinue)
    {
        var source = new CountingStream(payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/rules") { Content = new StreamContent(source) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!chunked) request.Content.Headers.ContentLength = payload.Length;
        if (expectContinue) request.Headers.ExpectContinue = true;
        try
        {
            using var response = await client.SendAsync(request);
            var status = ((int)response.StatusCode).ToString();
            if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                return ($"{status} without ProblemDetails", source.Sent, expectContinue ? true : null);
            return (status, source.Sent, expectContinue ? true : null);
        }
        catch (HttpRequestException e)
        {
            return ($"closed: {e.InnerException?.Message ?? e.Message}", source.Sent, expectContinue ? true : null);
        }
    }

    [KernelFact]
    public async Task Bodies_must_be_declared_JSON_and_fit_the_endpoint_limit()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        const string rule = """{"kind": "dnat", "name": "web", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "8080", "targetAddress": "10.77.2.2", "targetPort": "80"}""";

        foreach (var (path, content) in new (string, HttpContent)[]
                 {
                     ("api/v1/rules", new StringContent(rule, Encoding.UTF8, "text/plain")),
                     ("api/v1/rules", new FormUrlEncodedContent([new("kind", "dnat")])),
                     ("api/v1/rules", new StringContent(rule, Encoding.Latin1, "application/json")),
                     ("api/v1/rules/apply", new StringContent("{}", Encoding.UTF8, "text/plain")),   // optional body, present
                     ("api/v1/rules/discard", new StringContent("{}", Encoding.UTF8, "text/plain")), // no body expected
                     ("api/v1/revisions/1/confirm", new FormUrlEncodedContent([new("a", "1")])),
                 })
        {
            using var response = await app.Http.PostAsync(path, content);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{path} as {content.Headers.ContentType}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Content-Type", body);
        }
        Assert.Equal(0, (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/rules")).GetArrayLength());

        // charset=utf-8 is fine; a body just over 1 MiB is not (413 ProblemDetails naming the limit).
        using (var ok = await app.Http.PostAsync("api/v1/rules", new StringContent(rule, Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var overMiB = "{\"name\": \"" + new string('a', 1 << 20) + "\"}";
        using (var tooLarge = await app.Http.PostAsync("api/v1/rules", new StringContent(overMiB, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Contains("1 MiB", await tooLarge.Content.ReadAsStringAsync());
        }

        // Config import takes more: an export padded to 3 MB is read (and imported), one over 16 MiB is not.
        var export = await app.Http.GetStringAsync("api/v1/config/export");
        var padded = export.TrimEnd() + new string(' ', 3 << 20);
        using (var import = await app.Http.PostAsync("api/v1/config/import", new StringContent(padded, Encoding.UTF8, "application/json")))
            Assert.True(import.StatusCode == HttpStatusCode.OK, $"import of 3 MB: {(int)import.StatusCode} {await import.Content.ReadAsStringAsync()}");
        // (Sent with "Expect: 100-continue": natgw refuses from the length and closes, so a client that sends at once may
        // only see the closed connection.)
        using var waiting = Client(app, app.AdminToken);
        using var over = new HttpRequestMessage(HttpMethod.Post, "api/v1/config/import")
        {
            Content = new StringContent(export.TrimEnd() + new string(' ', 17 << 20), Encoding.UTF8, "application/json"),
        };
        over.Headers.ExpectContinue = true;
        using (var import = await waiting.SendAsync(over))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, import.StatusCode);
            Assert.Contains("16 MiB", await import.Content.ReadAsStringAsync());
        }
    }

    [KernelFact]
    public async Task A_comment_over_1000_characters_is_a_400_naming_it_and_applies_nothing()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress);
        var before = await TotalRevisionsAsync(app);

        using var response = await app.Http.PostAsync("api/v1/rules/apply", Json(JsonSerializer.Serialize(new { comment = new string('c', 1001) })));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("1000", body.GetProperty("errors").GetProperty("comment")[0].GetString());
        using (var rollback = await app.Http.PostAsync("api/v1/revisions/1/rollback", Json(JsonSerializer.Serialize(new { comment = new string('c', 5000) }))))
            Assert.Equal(HttpStatusCode.BadRequest, rollback.StatusCode);
        Assert.Equal(before, await TotalRevisionsAsync(app));

        using (var ok = await app.Http.PostAsync("api/v1/rules/apply", Json(JsonSerializer.Serialize(new { comment = new string('c', 1000) }))))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [KernelFact]
    public async Task Revisions_and_settings_history_are_paged_and_retention_keeps_the_revision_in_force_and_a_pending_one()
    {
        using var lab = NamespaceLab.Create();
        await using var app = await NatgwProcess.StartAsync(lab, lab.Gateway, NamespaceLab.GatewayLanAddress,
            extraArgs: ["--keep-revisions", "3", "--keep-revisions-days", "30"]);

        var applied = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            using (var created = await app.Http.PostAsync("api/v1/rules", Json($$"""{"kind": "dnat", "name": "r{{i}}", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{8000 + i}}", "targetAddress": "10.77.2.2", "targetPort": "80"}""")))
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var apply = await app.Http.PostAsync("api/v1/rules/apply", Json(i == 4 ? """{"confirmWithinSeconds": 600}""" : "{}"));
            Assert.Equal(HttpStatusCode.OK, apply.StatusCode);
            applied.Add((await apply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revisionId").GetInt64());
        }

        // Newest 3 kept (the baseline and the first applies pruned); the pending one and the one it reverts to among them.
        var page = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions?page=1&pageSize=2");
        Assert.Equal(3, page.GetProperty("totalCount").GetInt32());
        Assert.Equal(2, page.GetProperty("pageCount").GetInt32());
        Assert.Equal(2, page.GetProperty("pageSize").GetInt32());
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([applied[4], applied[3]], items.Select(r => r.GetProperty("id").GetInt64()));
        Assert.Equal("pending-confirmation", items[0].GetProperty("state").GetString());
        Assert.Equal(5, items[0].GetProperty("ruleCount").GetInt32());
        Assert.False(items[0].TryGetProperty("rulesDocument", out _) || items[0].TryGetProperty("rulesetText", out _) || items[0].TryGetProperty("diff", out _));
        var second = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions?page=2&pageSize=2");
        Assert.Equal([applied[2]], second.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
        using (var gone = await app.Http.GetAsync($"api/v1/revisions/{applied[0]}"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using (var detail = await app.Http.GetAsync($"api/v1/revisions/{applied[3]}"))
            Assert.Contains("rulesetText", await detail.Content.ReadAsStringAsync());
        using (var confirm = await app.Http.PostAsync($"api/v1/revisions/{applied[4]}/confirm", null))
            Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);

        // Bad paging values: 400 naming the field, on both lists.
        foreach (var (query, field) in new[] { ("page=0", "page"), ("pageSize=201", "pageSize"), ("pageSize=0", "pageSize"), ("page=abc", "page") })
            foreach (var list in new[] { "api/v1/revisions", "api/v1/settings/history" })
            {
                using var bad = await app.Http.GetAsync($"{list}?{query}");
                var body = await bad.Content.ReadFromJsonAsync<JsonElement>();
                Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{list}?{query}: {(int)bad.StatusCode}");
                Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"{list}?{query}: {body}");
            }
        var history = await app.Http.GetFromJsonAsync<JsonElement>("api/v1/settings/history?pageSize=200");
        Assert.Equal(200, history.GetProperty("pageSize").GetInt32());
        Assert.True(history.TryGetProperty("totalCount", out _) && history.TryGetProperty("items", out _));
    }

    private static async Task<int> TotalRevisionsAsync(NatgwProcess app) =>
        (await app.Http.GetFromJsonAsync<JsonElement>("api/v1/revisions")).GetProperty("totalCount").GetInt32();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>The natgw (dotnet) process serving <paramref name="app"/>'s database: its command line names the file.</summary>
    private static int NatgwPid(NatgwProcess app)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string[] args;
            try { args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0'); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            if (args.Contains(app.DatabasePath) && args.Contains("serve") && Path.GetFileName(args[0]) == "dotnet") return pid;
        }
        throw new InvalidOperationException($"no dotnet process serves {app.DatabasePath}");
    }

    /// <summary>A size line of /proc/PID/status (VmRSS, VmHWM) in bytes.</summary>
    private static long Status(int pid, string key)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0]) * 1024;
    }

    /// <summary>The body, read by HttpClient as it sends; counts what was taken. Unseekable, so without a declared length it goes chunked.</summary>
    private sealed class CountingStream(byte[] data) : Stream
    {
        private int _position;
        public long Sent => Volatile.Read(ref _position);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(count, data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
