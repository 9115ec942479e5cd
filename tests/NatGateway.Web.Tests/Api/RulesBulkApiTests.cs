using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NatGateway.Core.Rules;
using NatGateway.Data.Entities;
using Xunit;

namespace NatGateway.Web.Tests.Api;

/// <summary>
/// The REST side of many rules (issue 12) against the in-process app: batch create/update with every error by index,
/// one page with search and filters, the streamed full list, move with paging, bulk actions, config import errors by
/// index, and the role, content-type and body-limit checks every state-changing endpoint has. Each test starts from an
/// empty draft (discard).
/// </summary>
public sealed class RulesBulkApiTests(InProcessApp app) : IClassFixture<InProcessApp>, IAsyncLifetime
{
    private HttpClient Admin => app.Admin;

    public async Task InitializeAsync()
    {
        using var discard = await Admin.PostAsync("api/v1/rules/discard", null);
        Assert.Equal(HttpStatusCode.OK, discard.StatusCode);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Forward(string name, int port, bool enabled = true, string? id = null) =>
        $$"""{{{(id is null ? "" : $"\"id\": \"{id}\", ")}}"kind": "dnat", "name": "{{name}}", "enabled": {{(enabled ? "true" : "false")}}, "inInterfaces": ["wan0"], "protocol": "udp", "destinationPort": "{{port}}", "targetAddress": "10.1.0.{{port % 250 + 1}}", "targetPort": "9000"}""";

    private const string Masquerade = """{"kind": "masquerade", "name": "masq", "outInterfaces": ["wan0"], "sourceCidrs": ["10.0.0.0/8"]}""";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Batch(IEnumerable<string> rules) => $$"""{"rules": [{{string.Join(",", rules)}}]}""";

    private async Task<JsonElement> PostOkAsync(string path, string body)
    {
        using var response = await Admin.PostAsync(path, Json(body));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {json}");
        return json;
    }

    private async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {json}");
        return json.GetProperty("errors");
    }

    private async Task<List<JsonElement>> ListAsync() =>
        (await Admin.GetFromJsonAsync<JsonElement>("api/v1/rules")).EnumerateArray().ToList();

    [Fact]
    public async Task A_batch_with_several_bad_rules_reports_every_error_by_index_and_saves_nothing()
    {
        using var response = await Admin.PostAsync("api/v1/rules/batch", Json(Batch(
        [
            Forward("good", 5000),
            Forward("bad-port", 70000),
            """{"kind": "dnat", "name": "two-bad", "inInterfaces": ["wan0"], "protocol": "icmp", "destinationPort": "5002", "targetAddress": "10.1.0.999"}""",
            Forward("duplicate-of-good", 5000),
            """{"kind": "dnat", "inInterfaces": ["wan0"], "protocol": "udp", "destinationPort": "5004", "targetAddress": "10.1.0.4"}""",
        ])));
        var errors = await ProblemAsync(response, HttpStatusCode.BadRequest);
        var keys = errors.EnumerateObject().Select(e => e.Name).ToList();
        // Parse errors of three rules and the list error of a fourth (it repeats rule 0's forward), all in one answer.
        Assert.Contains("rules[1].destinationPort", keys);
        Assert.Contains("rules[2].protocol", keys);
        Assert.Contains("rules[2].targetAddress", keys);
        Assert.Contains("rules[4].name", keys);
        Assert.Contains(keys, k => k.StartsWith("rules[3].", StringComparison.Ordinal));
        Assert.DoesNotContain(keys, k => k.StartsWith("rules[0]", StringComparison.Ordinal));
        Assert.Empty(await ListAsync());

        // Only list errors (every rule parses): still keyed by index, still nothing saved.
        using var clash = await Admin.PostAsync("api/v1/rules/batch", Json(Batch([Forward("a", 6000), Forward("b", 6001), Forward("c", 6000)])));
        var clashErrors = await ProblemAsync(clash, HttpStatusCode.BadRequest);
        Assert.All(clashErrors.EnumerateObject(), e => Assert.StartsWith("rules[2].", e.Name));
        Assert.Empty(await ListAsync());

        foreach (var (body, key) in new[]
                 {
                     ("""{"rules": []}""", "rules"),
                     ("""{"rules": {}}""", "rules"),
                     ("""{"rules": [1]}""", "rules[0]"),
                     ($$"""{"rules": [{{Masquerade}}], "extra": 1}""", "extra"),
                     (Batch(Enumerable.Range(0, Web.Api.RuleBatchRequest.MaxRules + 1).Select(_ => "{}")), "rules"),
                 })
        {
            using var bad = await Admin.PostAsync("api/v1/rules/batch", Json(body));
            Assert.True((await ProblemAsync(bad, HttpStatusCode.BadRequest)).TryGetProperty(key, out _), $"{body[..Math.Min(80, body.Length)]} must name {key}");
        }
    }

    [Fact]
    public async Task A_good_batch_is_one_draft_change_with_positions_ids_and_updates_in_place_keeping_the_mark_id()
    {
        using (var created = await Admin.PostAsync("api/v1/rules", Json(Forward("existing", 7000))))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var existing = Assert.Single(await ListAsync());
        var existingId = existing.GetProperty("id").GetString()!;
        var markId = existing.GetProperty("markId").GetInt32();

        var service = app.Services.GetRequiredService<NatRulesService>();
        var changes = 0;
        void Count() => Interlocked.Increment(ref changes);
        service.Changed += Count;
        JsonElement result;
        try
        {
            result = await PostOkAsync("api/v1/rules/batch", Batch(
                [Masquerade, Forward("renamed", 7001, id: existingId), Forward("new-1", 7002), Forward("new-2", 7003, enabled: false)]));
        }
        finally
        {
            service.Changed -= Count;
        }
        Assert.Equal(1, changes);
        Assert.Equal(3, result.GetProperty("created").GetInt32());
        Assert.Equal(1, result.GetProperty("updated").GetInt32());
        var saved = result.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(["masq", "renamed", "new-1", "new-2"], saved.Select(r => r.GetProperty("name").GetString()));
        // The update stays in place (position 0) with its id and mark id; new rules are appended in request order.
        Assert.Equal([1, 0, 2, 3], saved.Select(r => r.GetProperty("position").GetInt32()));
        Assert.Equal(existingId, saved[1].GetProperty("id").GetString());
        Assert.Equal(markId, saved[1].GetProperty("markId").GetInt32());
        Assert.Equal(4, saved.Select(r => r.GetProperty("markId").GetInt32()).Distinct().Count());

        var list = await ListAsync();
        Assert.Equal(["renamed", "masq", "new-1", "new-2"], list.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal("7001", list[0].GetProperty("destinationPort").GetString());
        Assert.False(list[3].GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Pages_search_and_filters_come_from_the_server_and_the_streamed_full_list_equals_the_union_of_the_pages()
    {
        await PostOkAsync("api/v1/rules/batch", Batch(Enumerable.Range(0, 120).Select(i => Forward($"fwd-{i}", 20000 + i, enabled: i % 3 != 0)).Prepend(Masquerade)));

        var full = await ListAsync();
        Assert.Equal(121, full.Count);
        var page = await Admin.GetFromJsonAsync<JsonElement>("api/v1/rules?page=2&pageSize=50");
        Assert.Equal((2, 50, 121, 3), (page.GetProperty("page").GetInt32(), page.GetProperty("pageSize").GetInt32(),
            page.GetProperty("totalCount").GetInt32(), page.GetProperty("pageCount").GetInt32()));
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(50, items.Count);
        Assert.Equal(50, items[0].GetProperty("position").GetInt32());
        Assert.True(items[0].TryGetProperty("packets", out _));

        // The union of the pages, in order, is the streamed list, rule for rule.
        var union = new List<string>();
        for (var p = 1; p <= 3; p++)
            union.AddRange((await Admin.GetFromJsonAsync<JsonElement>($"api/v1/rules?page={p}&pageSize=50")).GetProperty("items").EnumerateArray().Select(r => r.GetRawText()));
        Assert.Equal(full.Select(r => r.GetRawText()), union);

        // Search: name, port, address, ignoring case; positions are those of the whole list.
        var search = await Admin.GetFromJsonAsync<JsonElement>("api/v1/rules?search=FWD-11");
        Assert.Equal(11, search.GetProperty("totalCount").GetInt32()); // fwd-11, fwd-110..119
        Assert.Equal(12, search.GetProperty("items")[0].GetProperty("position").GetInt32());
        Assert.Equal(1, (await Admin.GetFromJsonAsync<JsonElement>("api/v1/rules?search=20042")).GetProperty("totalCount").GetInt32());
        Assert.Equal(1, (await Admin.GetFromJsonAsync<JsonElement>("api/v1/rules?kind=masquerade")).GetProperty("totalCount").GetInt32());
        Assert.Equal(40, (await Admin.GetFromJsonAsync<JsonElement>("api/v1/rules?kind=dnat&enabled=false")).GetProperty("totalCount").GetInt32());
        var empty = await Admin.GetFromJsonAsync<JsonElement>("api/v1/rules?search=nothing-like-this");
        Assert.Equal((0, 0), (empty.GetProperty("totalCount").GetInt32(), empty.GetProperty("pageCount").GetInt32()));

        foreach (var (query, field) in new[]
                 {
                     ("page=0", "page"), ("pageSize=201", "pageSize"), ("pageSize=0", "pageSize"), ("kind=nat", "kind"),
                     ("enabled=yes", "enabled"), ($"search={new string('x', RuleQuery.MaxSearchLength + 1)}", "search"), ("page=abc", "page"),
                 })
        {
            using var bad = await Admin.GetAsync($"api/v1/rules?{query}");
            Assert.True((await ProblemAsync(bad, HttpStatusCode.BadRequest)).TryGetProperty(field, out _), $"{query} must name {field}");
        }
    }

    [Fact]
    public async Task Move_to_a_position_or_before_a_rule_and_bulk_enable_disable_delete_answer_per_field()
    {
        var saved = (await PostOkAsync("api/v1/rules/batch", Batch(new[] { "a", "b", "c", "d", "e" }.Select((n, i) => Forward(n, 8000 + i)))))
            .GetProperty("rules").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("id").GetString()!);
        async Task<string> Order() => string.Concat((await ListAsync()).Select(r => r.GetProperty("name").GetString()));

        var moved = await PostOkAsync($"api/v1/rules/{saved["e"]}/move", """{"position": 1}""");
        Assert.Equal(("e", 0), (moved.GetProperty("name").GetString(), moved.GetProperty("position").GetInt32()));
        Assert.Equal("eabcd", await Order());
        await PostOkAsync($"api/v1/rules/{saved["d"]}/move", $$"""{"before": "{{saved["a"]}}"}""");
        Assert.Equal("edabc", await Order());
        await PostOkAsync($"api/v1/rules/{saved["e"]}/move", """{"before": null}""");
        Assert.Equal("dabce", await Order());

        foreach (var (body, field) in new[]
                 {
                     ("""{"position": 7}""", "position"), ("""{"position": 0}""", "position"), ("""{"position": "1"}""", "position"),
                     ("{}", "position"), ($$"""{"position": 1, "before": "{{saved["a"]}}"}""", "position"),
                     ($$"""{"before": "{{Guid.NewGuid()}}"}""", "before"), ("""{"before": 5}""", "before"), ("""{"after": null}""", "after"),
                 })
        {
            using var bad = await Admin.PostAsync($"api/v1/rules/{saved["a"]}/move", Json(body));
            Assert.True((await ProblemAsync(bad, HttpStatusCode.BadRequest)).TryGetProperty(field, out _), $"{body} must name {field}");
        }
        using (var missing = await Admin.PostAsync($"api/v1/rules/{Guid.NewGuid()}/move", Json("""{"position": 1}""")))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var disabled = await PostOkAsync("api/v1/rules/bulk", $$"""{"action": "disable", "ids": ["{{saved["a"]}}", "{{saved["b"]}}"]}""");
        Assert.Equal(("disable", 2), (disabled.GetProperty("action").GetString(), disabled.GetProperty("changed").GetInt32()));
        Assert.Equal(2, (await Admin.GetFromJsonAsync<JsonElement>("api/v1/rules?enabled=false")).GetProperty("totalCount").GetInt32());
        Assert.Equal(1, (await PostOkAsync("api/v1/rules/bulk", $$"""{"action": "enable", "ids": ["{{saved["a"]}}", "{{saved["c"]}}"]}""")).GetProperty("changed").GetInt32());
        Assert.Equal(2, (await PostOkAsync("api/v1/rules/bulk", $$"""{"action": "delete", "ids": ["{{saved["a"]}}", "{{saved["b"]}}"]}""")).GetProperty("changed").GetInt32());
        Assert.Equal("dce", await Order());

        foreach (var (body, field) in new[]
                 {
                     ($$"""{"action": "remove", "ids": ["{{saved["c"]}}"]}""", "action"),
                     ("""{"action": "enable", "ids": []}""", "ids"),
                     ($$"""{"action": "enable", "ids": ["{{saved["c"]}}", "not-an-id"]}""", "ids[1]"),
                     ($$"""{"action": "delete", "ids": ["{{saved["c"]}}", "{{Guid.NewGuid()}}"]}""", "ids"),
                 })
        {
            using var bad = await Admin.PostAsync("api/v1/rules/bulk", Json(body));
            Assert.True((await ProblemAsync(bad, HttpStatusCode.BadRequest)).TryGetProperty(field, out _), $"{body} must name {field}");
        }
        Assert.Equal("dce", await Order());
    }

    [Fact]
    public async Task Batch_move_and_bulk_need_admin_a_json_body_and_fit_the_body_limit()
    {
        var id = (await PostOkAsync("api/v1/rules/batch", Batch([Forward("x", 9000)]))).GetProperty("rules")[0].GetProperty("id").GetString();
        using var viewer = await app.ClientAsync(Role.Viewer);
        using var @operator = await app.ClientAsync(Role.Operator);
        using var anonymous = await app.ClientAsync(null);
        var requests = new (string Path, string Body)[]
        {
            ("api/v1/rules/batch", Batch([Forward("y", 9001)])),
            ($"api/v1/rules/{id}/move", """{"position": 1}"""),
            ("api/v1/rules/bulk", $$"""{"action": "disable", "ids": ["{{id}}"]}"""),
        };
        foreach (var (path, body) in requests)
        {
            using (var r = await anonymous.PostAsync(path, Json(body))) Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            using (var r = await viewer.PostAsync(path, Json(body))) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            using (var r = await @operator.PostAsync(path, Json(body))) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            // A body not declared JSON (what a cross-site form or text/plain POST can send without a preflight): 415.
            using (var r = await Admin.PostAsync(path, new StringContent(body, Encoding.UTF8, "text/plain")))
                Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        }
        Assert.Equal(["x"], (await ListAsync()).Select(r => r.GetProperty("name").GetString()));
        Assert.True((await ListAsync())[0].GetProperty("enabled").GetBoolean());

        // Over the batch's 16 MiB: refused from Content-Length before anything is read (sent with "Expect: 100-continue",
        // as natgw closes the connection rather than drain the body).
        var huge = new byte[(int)Web.Api.BodyLimits.Batch + 1];
        Array.Fill(huge, (byte)' ');
        using var over = new HttpRequestMessage(HttpMethod.Post, "api/v1/rules/batch") { Content = new ByteArrayContent(huge) };
        over.Content.Headers.ContentType = new("application/json");
        over.Headers.ExpectContinue = true;
        using (var r = await Admin.SendAsync(over))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
            Assert.Contains("16 MiB", await r.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Import_reports_errors_by_rule_index_replaces_nothing_then_makes_a_good_document_the_draft_in_one_change()
    {
        await PostOkAsync("api/v1/rules/batch", Batch([Forward("keep", 9100)]));
        static string Document(IEnumerable<string> rules) => $$"""{"format": "natgw-state", "version": 1, "rules": [{{string.Join(",", rules)}}]}""";

        using (var bad = await Admin.PostAsync("api/v1/config/import", Json(Document(
                   [Masquerade, Forward("f1", 9200), Forward("f2", 70000), Forward("f3", 9203), """{"kind": "dnat", "name": "f4"}"""]))))
        {
            var errors = await ProblemAsync(bad, HttpStatusCode.BadRequest);
            Assert.True(errors.TryGetProperty("rules[2].destinationPort", out _), errors.ToString());
            Assert.True(errors.TryGetProperty("rules[4].protocol", out _), errors.ToString());
            Assert.DoesNotContain(errors.EnumerateObject(), e => e.Name.StartsWith("rules[3]", StringComparison.Ordinal));
        }
        using (var clash = await Admin.PostAsync("api/v1/config/import", Json(Document([Forward("f1", 9200), Forward("f2", 9200)]))))
            Assert.Contains((await ProblemAsync(clash, HttpStatusCode.BadRequest)).EnumerateObject(), e => e.Name.StartsWith("rules[1].", StringComparison.Ordinal));
        Assert.Equal(["keep"], (await ListAsync()).Select(r => r.GetProperty("name").GetString()));

        var service = app.Services.GetRequiredService<NatRulesService>();
        var changes = 0;
        void Count() => Interlocked.Increment(ref changes);
        service.Changed += Count;
        try
        {
            var imported = await PostOkAsync("api/v1/config/import", Document(Enumerable.Range(0, 200).Select(i => Forward($"i-{i}", 30000 + i)).Prepend(Masquerade)));
            Assert.Equal(201, imported.GetProperty("rules").GetInt32());
        }
        finally
        {
            service.Changed -= Count;
        }
        Assert.Equal(1, changes);
        var list = await ListAsync();
        Assert.Equal(201, list.Count);
        Assert.Equal("masq", list[0].GetProperty("name").GetString());
        Assert.Equal(201, list.Select(r => r.GetProperty("markId").GetInt32()).Distinct().Count());
    }

    private static readonly string[] CorpusEndpointNames = ["POST rules/batch", "POST rules/{id}/move", "POST rules/bulk", "GET rules"];

    public static TheoryData<string> CorpusEndpoints => new(CorpusEndpointNames);

    /// <summary>
    /// The API fuzz corpus (fixed seed: lone surrogates, deep nesting, wrong types, huge numbers, invalid UTF-8, wrong
    /// content types, mutations of a valid body) against the new endpoints: never a 5xx, every refusal a ProblemDetails 4xx.
    /// </summary>
    [Theory]
    [MemberData(nameof(CorpusEndpoints))]
    public async Task Malformed_requests_to_the_bulk_endpoints_get_a_4xx_problem_never_a_5xx(string endpoint)
    {
        var ids = (await PostOkAsync("api/v1/rules/batch", Batch([Forward("a", 9500), Forward("b", 9501)])))
            .GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        var index = 100 + Array.IndexOf(CorpusEndpointNames, endpoint);
        var (method, path, corpus) = endpoint switch
        {
            "POST rules/batch" => (HttpMethod.Post, "api/v1/rules/batch", global::NatGateway.Kernel.Tests.ApiCorpus.Body(index, Batch([Forward("c", 9502), Masquerade]))),
            "POST rules/{id}/move" => (HttpMethod.Post, $"api/v1/rules/{ids[1]}/move", global::NatGateway.Kernel.Tests.ApiCorpus.Body(index, $$"""{"before": "{{ids[0]}}"}""")),
            "POST rules/bulk" => (HttpMethod.Post, "api/v1/rules/bulk", global::NatGateway.Kernel.Tests.ApiCorpus.Body(index, $$"""{"action": "disable", "ids": ["{{ids[0]}}"]}""")),
            _ => (HttpMethod.Get, "api/v1/rules", global::NatGateway.Kernel.Tests.ApiCorpus.Query(index, ["page", "pageSize", "search", "kind", "enabled"], "page=1&kind=dnat")),
        };
        var failures = new List<string>();
        foreach (var input in corpus)
        {
            using var request = new HttpRequestMessage(method, input.Query.Length > 0 ? $"{path}?{input.Query}" : path);
            if (input.Body is not null)
            {
                request.Content = new ByteArrayContent(input.Body);
                request.Content.Headers.ContentType = input.ContentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(input.ContentType);
            }
            using var response = await Admin.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status >= 500) failures.Add($"{input}: {status} {await response.Content.ReadAsStringAsync()}");
            else if (!response.IsSuccessStatusCode && status != 414 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                failures.Add($"{input}: {status} is not ProblemDetails");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }
}
