using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using NatGateway.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Kernel.Tests;

/// <summary>One natgw in a lab gateway namespace for the whole corpus, with two rules applied as revision 1.</summary>
public sealed class ApiCorpusFixture : IAsyncLifetime
{
    public NamespaceLab? Lab { get; private set; }
    public NatgwProcess? App { get; private set; }
    public Guid[] RuleIds { get; private set; } = [];
    public long RevisionId { get; private set; }

    public async Task InitializeAsync()
    {
        if (Root.SkipReason is not null) return;
        Lab = NamespaceLab.Create();
        App = await NatgwProcess.StartAsync(Lab, Lab.Gateway, NamespaceLab.GatewayLanAddress);
        var ids = new List<Guid>();
        foreach (var rule in new[] { ApiCorpusKernelTests.ValidRule, """{"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}""" })
        {
            using var created = await App.Http.PostAsync("api/v1/rules", new StringContent(rule, Encoding.UTF8, "application/json"));
            created.EnsureSuccessStatusCode();
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        RuleIds = [.. ids];
        using var applied = await App.Http.PostAsync("api/v1/rules/apply", null);
        applied.EnsureSuccessStatusCode();
        RevisionId = (await applied.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revisionId").GetInt64();
    }

    public async Task DisposeAsync()
    {
        if (App is not null) await App.DisposeAsync();
        Lab?.Dispose();
    }
}

/// <summary>
/// The fuzz corpus (<see cref="ApiCorpus"/>, fixed seed) against every endpoint that takes a body or a query: no 5xx,
/// every refusal a ProblemDetails 4xx, no request over 2 s (a bound, not a performance target), and a refused request
/// changes nothing: not the draft rules, the revisions, the settings, nor our nftables tables in the kernel.
/// The endpoints are split over two classes of about 2,500 inputs each, each class with its own lab and natgw
/// (<see cref="ApiCorpusFixture"/>): xunit runs two classes at a time, and the corpus in one class was the longest
/// single thread of Kernel.Tests. Each endpoint's corpus and seed are the same wherever it runs (its index in
/// <see cref="EndpointNames"/>).
/// </summary>
public abstract class ApiCorpusKernelTests(ApiCorpusFixture fixture, ITestOutputHelper output)
{
    internal const string ValidRule = """
        {"kind": "dnat", "name": "web", "enabled": true, "inInterfaces": ["lan0"], "protocol": "tcp", "sourceCidrs": [],
         "destinationAddress": null, "destinationPort": "8080", "targetAddress": "10.77.2.2", "targetPort": "80", "hairpin": false}
        """;

    /// <summary>
    /// Valid documents of the issue-14 kinds, their own fields first: the corpus replaces properties in document order and
    /// is cut at <see cref="ApiCorpus.PerEndpoint"/>, so the fields that are new get the hostile values. The load-balanced
    /// forward carries a timeout policy (refused at apply on libnftables &lt; 1.0.9), so the case removes what it created.
    /// </summary>
    internal static readonly (string Kind, string Document)[] NewKindRules =
    [
        ("one-to-one", """{"insidePrefix": "10.77.1.64/28", "outsidePrefix": "10.77.2.64/28", "outsideInterfaces": ["wan0"], "hairpin": true, "kind": "one-to-one", "name": "map", "enabled": true}"""),
        ("nptv6", """{"insidePrefix": "fd77:1::/64", "outsidePrefix": "2001:db8:77::/64", "outsideInterfaces": ["wan0"], "hairpin": false, "kind": "nptv6", "name": "v6map"}"""),
        ("redirect", """{"targetPort": 3128, "destinationPort": "80", "protocol": "tcp", "inInterfaces": ["lan0"], "sourceCidrs": ["10.77.1.0/24"], "destinationAddress": null, "kind": "redirect", "name": "proxy"}"""),
        ("load-balance", """{"backends": [{"address": "10.77.2.2", "port": 80, "weight": 2}, {"address": "10.77.2.3"}], "method": "source-hash", "timeouts": {"tcpEstablished": 600, "udpReplied": 30}, "destinationPort": "8081", "protocol": "both", "inInterfaces": ["lan0"], "kind": "load-balance", "name": "pool"}"""),
    ];

    private const string ValidTrace =
        """{"protocol": "tcp", "source": "10.77.1.2", "destination": "10.77.1.1", "sourcePort": 40000, "destinationPort": 8080, "inInterface": "lan0", "family": "ipv4"}""";

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);
    private const int KernelCheckEvery = 25;

    protected static readonly string[] EndpointNames =
    [
        "POST rules", "POST rules (new kinds)", "PUT rules/{id}", "POST rules/reorder", "POST rules/apply", "PUT settings", "PUT settings?confirmWithinSeconds",
        "POST revisions/{id}/rollback", "POST config/import", "POST capacity/plan", "POST capacity/apply",
        "POST capacity/apply?confirmWithinSeconds", "GET capacity/plan", "GET conntrack", "DELETE conntrack",
        "POST tokens", "POST trace", "GET rules/lint",
    ];

    private (HttpMethod Method, string Path, IReadOnlyList<CorpusInput> Corpus) Describe(string endpoint)
    {
        var index = Array.IndexOf(EndpointNames, endpoint);
        var ids = fixture.RuleIds;
        return endpoint switch
        {
            "POST rules" => (HttpMethod.Post, "api/v1/rules", ApiCorpus.Body(index, ValidRule)),
            // The four kinds take turns: input i is input i of the kind i mod 4's own corpus.
            "POST rules (new kinds)" => (HttpMethod.Post, "api/v1/rules", Interleave(NewKindRules.Select(r => (r.Kind, ApiCorpus.Body(index, r.Document))).ToArray())),
            "PUT rules/{id}" => (HttpMethod.Put, $"api/v1/rules/{ids[0]}", ApiCorpus.Body(index, ValidRule)),
            "POST rules/reorder" => (HttpMethod.Post, "api/v1/rules/reorder", ApiCorpus.Body(index, $$"""{"order": ["{{ids[1]}}", "{{ids[0]}}"]}""")),
            "POST rules/apply" => (HttpMethod.Post, "api/v1/rules/apply",
                ApiCorpus.Body(index, """{"comment": "fuzz", "confirmWithinSeconds": 60, "purgeChangedFlows": false}""")),
            "PUT settings" => (HttpMethod.Put, "api/v1/settings",
                ApiCorpus.Body(index, """{"ipv4Forwarding": true, "ipv6Forwarding": false, "rpFilter": {"all": 2, "default": 1, "interfaces": {"lan0": 1}}, "persist": false}""")),
            "PUT settings?confirmWithinSeconds" => (HttpMethod.Put, "api/v1/settings",
                ApiCorpus.Query(index, ["confirmWithinSeconds"], "").Select(q => q with { Body = """{"ipv4Forwarding": true}"""u8.ToArray(), ContentType = "application/json" }).ToList()),
            "POST revisions/{id}/rollback" => (HttpMethod.Post, $"api/v1/revisions/{fixture.RevisionId}/rollback",
                ApiCorpus.Body(index, """{"confirmWithinSeconds": 60}""")),
            "POST config/import" => (HttpMethod.Post, "api/v1/config/import", ApiCorpus.Body(index,
                $$$"""{"format": "natgw-state", "version": 1, "rules": [{{{ValidRule}}}], "settings": {"ipv4Forwarding": true}}""")),
            "POST capacity/plan" => (HttpMethod.Post, "api/v1/capacity/plan",
                ApiCorpus.Body(index, """{"expectedEntries": 500000, "memoryBudgetBytes": 536870912, "extensions": "nat, acct"}""")),
            "POST capacity/apply" => (HttpMethod.Post, "api/v1/capacity/apply",
                ApiCorpus.Body(index, """{"timeouts": {"nf_conntrack_udp_timeout": 30}, "persist": false}""")),
            "POST capacity/apply?confirmWithinSeconds" => (HttpMethod.Post, "api/v1/capacity/apply",
                ApiCorpus.Query(index, ["confirmWithinSeconds"], "").Select(q => q with { Body = """{"timeouts": {"nf_conntrack_udp_timeout": 30}}"""u8.ToArray(), ContentType = "application/json" }).ToList()),
            "GET capacity/plan" => (HttpMethod.Get, "api/v1/capacity/plan",
                ApiCorpus.Query(index, ["entries", "tcpRate", "udpRate", "budget", "budgetShare", "peak", "loadFactor", "extensions", "masquerade", "snatPorts", "snatAddresses"], "entries=500000")),
            "POST tokens" => (HttpMethod.Post, "api/v1/tokens", ApiCorpus.Body(index, """{"name": "corpus", "role": "viewer", "expiresInDays": 30}""")),
            // No "liveSeconds" in the document: a mutation must not arm a live trace (up to 60 s), which the 2 s bound forbids.
            "POST trace" => (HttpMethod.Post, "api/v1/trace", ApiCorpus.Body(index, ValidTrace)),
            // Lint takes no parameters: the corpus checks that stray ones are ignored, not misread.
            "GET rules/lint" => (HttpMethod.Get, "api/v1/rules/lint", ApiCorpus.Query(index, ["unknownParameter", "kind"], "")),
            "GET conntrack" => (HttpMethod.Get, "api/v1/conntrack", ApiCorpus.Query(index, ["filter", "sort", "page", "pageSize"], "page=1")),
            "DELETE conntrack" => (HttpMethod.Delete, "api/v1/conntrack", ApiCorpus.Query(index, ["filter", "all"], "filter=dport%209")),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };
    }

    /// <summary><see cref="EndpointNames"/>[..FirstHalf] run in <see cref="ApiCorpusRulesKernelTests"/>, the rest in
    /// <see cref="ApiCorpusOtherKernelTests"/>.</summary>
    protected const int FirstHalf = 7;

    protected async Task RunCorpusAsync(string endpoint)
    {
        var app = fixture.App!;
        var (method, path, corpus) = Describe(endpoint);
        Assert.True(corpus.Count >= ApiCorpus.PerEndpoint, $"{endpoint}: only {corpus.Count} inputs");
        var failures = new List<string>();
        var baseline = await SnapshotAsync();
        string? kernel = Kernel();
        var sinceKernelCheck = new List<int>();
        var accepted = 0;
        var total = Stopwatch.StartNew();

        for (var i = 0; i < corpus.Count && failures.Count < 20; i++)
        {
            var input = corpus[i];
            var what = $"{endpoint} input #{i} [{input.Description}]";
            using var request = new HttpRequestMessage(method, input.Query.Length > 0 ? $"{path}?{input.Query}" : path);
            if (input.Body is not null)
            {
                request.Content = new ByteArrayContent(input.Body);
                request.Content.Headers.ContentType = input.ContentType is null ? null : MediaTypeHeaderValue.Parse(input.ContentType);
            }
            var watch = Stopwatch.StartNew();
            HttpResponseMessage response;
            try
            {
                response = await app.Http.SendAsync(request);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failures.Add($"{what}: no answer ({e.Message}); natgw output:\n{app.Output[^Math.Min(app.Output.Length, 3000)..]}");
                break;
            }
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync();
                watch.Stop();
                var status = (int)response.StatusCode;
                if (watch.Elapsed > Bound) failures.Add($"{what}: took {watch.Elapsed.TotalMilliseconds:0} ms");
                if (status >= 500) { failures.Add($"{what}: {status} {Shorten(body)}"); continue; }
                // A body not declared as JSON (text/plain, a form, none, another charset) is refused as such, never read.
                if (input.Body is { Length: > 0 } && !DeclaredJson(input.ContentType) && status != 415)
                    failures.Add($"{what}: a body sent as {input.ContentType ?? "(no type)"} got {status}, expected 415: {Shorten(body)}");
                if (response.IsSuccessStatusCode)
                {
                    // Accepted: it may change state. Keep no change waiting for confirmation, then take a new baseline.
                    accepted++;
                    if (body.Contains("\"revisionId\"", StringComparison.Ordinal))
                        using (var pending = await app.Http.GetAsync("api/v1/revisions/pending"))
                            if (pending.StatusCode == HttpStatusCode.OK)
                            {
                                var id = (await pending.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revisionId").GetInt64();
                                (await app.Http.PostAsync($"api/v1/revisions/{id}/confirm", null)).Dispose();
                            }
                    // The refused ones since the last nft check were each checked through natgw's own kernel listing;
                    // nft's own view is taken again at the next check.
                    baseline = await SnapshotAsync();
                    kernel = null;
                    sinceKernelCheck.Clear();
                    continue;
                }
                if (status is not (400 or 409 or 413 or 414 or 415 or 422))
                    failures.Add($"{what}: status {status}, expected a 400 (or 409/413/414/415/422): {Shorten(body)}");

                // Kestrel refuses an oversized request line before any of natgw's code runs: a bare 414 is all it can say.
                if (status == 414) continue;
                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    failures.Add($"{what}: {status} is not ProblemDetails ({response.Content.Headers.ContentType}): {Shorten(body)}");
                else if (status == 400 && !NamesAField(body))
                    failures.Add($"{what}: the 400 names no field: {Shorten(body)}");
            }
            var now = await SnapshotAsync();
            if (now != baseline)
            {
                failures.Add($"{what}: refused ({(int)response.StatusCode}) but changed {Difference(baseline, now)}");
                baseline = now;
            }
            sinceKernelCheck.Add(i);
            if (sinceKernelCheck.Count >= KernelCheckEvery || i == corpus.Count - 1)
            {
                var current = Kernel();
                if (kernel is not null && current != kernel) failures.Add($"{endpoint}: our nftables tables changed during refused inputs #{string.Join(", #", sinceKernelCheck)}");
                kernel = current;
                sinceKernelCheck.Clear();
            }
        }
        output.WriteLine($"{endpoint}: {corpus.Count} inputs, {accepted} accepted, {total.Elapsed.TotalSeconds:0.0} s");
        Assert.True(failures.Count == 0, $"{failures.Count} failure(s) (seed {ApiCorpus.Seed}):\n{string.Join('\n', failures)}");
    }

    private static IReadOnlyList<CorpusInput> Interleave((string Kind, IReadOnlyList<CorpusInput> Corpus)[] corpora) =>
        Enumerable.Range(0, ApiCorpus.PerEndpoint)
            .Select(i =>
            {
                var (kind, corpus) = corpora[i % corpora.Length];
                return corpus[i] with { Description = $"{kind}: {corpus[i].Description}" };
            })
            .ToList();

    /// <summary>The draft, the revisions, the settings (sysctls as read now) and our tables as natgw lists them from the kernel.</summary>
    private sealed record State(string Rules, string Revisions, string Settings, string Kernel);

    private async Task<State> SnapshotAsync()
    {
        var http = fixture.App!.Http;
        // The four reads are independent and change nothing: asked at once, they cost one round trip of wall time per
        // input instead of four (this snapshot runs after every one of the ~5,000 refused inputs).
        var rulesetTask = http.GetAsync("api/v1/ruleset");
        var rulesTask = http.GetStringAsync("api/v1/rules");
        var revisionsTask = http.GetStringAsync("api/v1/revisions");
        var settingsTask = http.GetStringAsync("api/v1/settings");
        await Task.WhenAll(rulesetTask, rulesTask, revisionsTask, settingsTask);
        using var ruleset = await rulesetTask;
        var rulesetBody = await ruleset.Content.ReadAsStringAsync();
        Assert.True((int)ruleset.StatusCode < 500, $"GET /api/v1/ruleset: {(int)ruleset.StatusCode} {Shorten(rulesetBody)}");
        var kernel = ruleset.IsSuccessStatusCode
            ? JsonDocument.Parse(rulesetBody).RootElement.GetProperty("kernel").ToString()
            : $"ruleset {(int)ruleset.StatusCode}"; // a draft nft refuses: the kernel part is then checked by nft itself
        return new State(
            Counters().Replace(await rulesTask, "#"),
            await revisionsTask,
            await settingsTask,
            NftCounters().Replace(kernel, "counter"));
    }

    /// <summary>Our tables as nft lists them (counters masked: only structure counts).</summary>
    private string Kernel()
    {
        var lab = fixture.Lab!;
        var v4 = lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").StandardOutput;
        var v6 = lab.Exec(lab.Gateway, "nft", "list", "table", "ip6", "natgw").StandardOutput;
        return NftCounters().Replace(v4 + v6, "counter");
    }

    private static string Difference(State before, State after) =>
        string.Join(", ", new[]
        {
            before.Rules != after.Rules ? "the draft rules" : null,
            before.Revisions != after.Revisions ? "the revisions" : null,
            before.Settings != after.Settings ? "the settings" : null,
            before.Kernel != after.Kernel ? $"the ruleset or our tables in the kernel ({FirstDifference(before.Kernel, after.Kernel)})" : null,
        }.Where(s => s is not null));

    private static string FirstDifference(string a, string b)
    {
        var at = 0;
        while (at < a.Length && at < b.Length && a[at] == b[at]) at++;
        var from = Math.Max(0, at - 60);
        return $"at {at}: '{a[from..Math.Min(a.Length, at + 60)]}' became '{b[from..Math.Min(b.Length, at + 60)]}'";
    }

    private static bool NamesAField(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        return (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object && errors.EnumerateObject().Any())
               || (root.TryGetProperty("field", out var field) && field.ValueKind == JsonValueKind.String);
    }

    /// <summary>What natgw reads as JSON: <c>application/json</c>, with no charset or UTF-8.</summary>
    private static bool DeclaredJson(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var type)
        && string.Equals(type.MediaType, "application/json", StringComparison.OrdinalIgnoreCase)
        && (type.CharSet is null || string.Equals(type.CharSet.Trim('"'), "utf-8", StringComparison.OrdinalIgnoreCase));

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + $"... ({text.Length} chars)";

    private static Regex Counters() => new("\"(packets|bytes)\":\\d+");

    private static Regex NftCounters() => new(@"counter packets \d+ bytes \d+");
}

/// <summary>The corpus against the rules, settings and rollback endpoints (POST/PUT rules: 585 inputs each; 2,670 in all).</summary>
[LongRunning(280)]
public sealed class ApiCorpusRulesKernelTests(ApiCorpusFixture fixture, ITestOutputHelper output)
    : ApiCorpusKernelTests(fixture, output), IClassFixture<ApiCorpusFixture>
{
    public static TheoryData<string> Endpoints => new(EndpointNames[..FirstHalf]);

    [KernelTheory]
    [MemberData(nameof(Endpoints))]
    public Task Malformed_requests_get_a_4xx_problem_within_2_s_and_a_refused_one_changes_nothing(string endpoint) => RunCorpusAsync(endpoint);
}

/// <summary>The corpus against config import, capacity, conntrack and tokens (2,488 inputs).</summary>
[LongRunning(260)]
public sealed class ApiCorpusOtherKernelTests(ApiCorpusFixture fixture, ITestOutputHelper output)
    : ApiCorpusKernelTests(fixture, output), IClassFixture<ApiCorpusFixture>
{
    public static TheoryData<string> Endpoints => new(EndpointNames[FirstHalf..]);

    [KernelTheory]
    [MemberData(nameof(Endpoints))]
    public Task Malformed_requests_get_a_4xx_problem_within_2_s_and_a_refused_one_changes_nothing(string endpoint) => RunCorpusAsync(endpoint);
}
