using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using NatGateway.Benchmarks.Conntrack;
using NatGateway.Benchmarks.Nat;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.AppScale;

/// <summary>
/// The rows at one rule count N, each natgw serve on a fresh database in the lab gateway:
/// (1) apply/import/create/pending/list on one instance (after the engine-only figures); (2) the Rules page (idle RSS
/// first); (3) the one-by-one creation; (4) the history, its database seeded before natgw starts.
/// </summary>
internal sealed class AppScaleRun(AppScaleSettings settings, NamespaceLab lab, BenchAgent? agent, RunGuard guard, AppScaleReport report, TextWriter output)
{
    private const string ListenAddress = "127.0.0.1";
    private const int ExtraPortBase = 40_000;
    private int _nextPort = 5180;

    private void Log(string line) => output.WriteLine("   " + line);

    public async Task MeasureAsync(int forwards)
    {
        var n = forwards + 1; // + the masquerade
        output.WriteLine();
        output.WriteLine($"== {forwards:N0} UDP port forwards + 1 masquerade ({n:N0} rules)");
        if (settings.Rows.Overlaps([AppScaleRow.Apply, AppScaleRow.Import, AppScaleRow.Create, AppScaleRow.Pending, AppScaleRow.List]))
        {
            var engine = EngineFigures.Measure(lab, forwards, settings.Rounds);
            Log(string.Create(CultureInfo.InvariantCulture,
                $"engine only: compile + 1 transaction {engine.ApplyMs:0.0} ms; parse + validate all {engine.ParseValidateMs:0.0} ms; validate one more {engine.ValidateOneMs:0.00} ms; " +
                $"rule diff {engine.RuleDiffMs:0.00} ms (+ compile {engine.RuleDiffCompileMs:0.0} ms); JSON of all {engine.SerializeAllMs:0.0} ms, of 50 {engine.SerializePageMs:0.00} ms"));
            await using var natgw = await StartNatgwAsync();
            using var http = Client(natgw);
            var document = await ExportDocumentAsync(http);
            await ApplyAndImportAsync(http, document, forwards, engine);
            // natgw's own account of each apply's steps (ApplyPipeline's log line), to see where the time above the engine goes.
            foreach (var line in natgw.Output.Split('\n').Where(l => l.Contains(" in ") && (l.Contains("(journal:") || l.Contains("draft read in"))))
                Log("natgw: " + line.Trim());
            if (settings.Measures(AppScaleRow.Create)) await CreateOneAsync(http, n, engine);
            if (settings.Measures(AppScaleRow.Pending)) await PendingAsync(http, n, engine);
            if (settings.Measures(AppScaleRow.List)) await ListAsync(http, n, engine);
        }
        // The page and the one-by-one run each on their own natgw: a page given up on can leave natgw busy and its heap large.
        if (settings.Measures(AppScaleRow.Page))
        {
            await using var natgw = await StartNatgwAsync();
            using var http = Client(natgw);
            await PageAsync(natgw, http, await ExportDocumentAsync(http), forwards);
        }
        if (settings.Measures(AppScaleRow.OneByOne))
        {
            await using var natgw = await StartNatgwAsync();
            using var http = Client(natgw);
            await OneByOneAsync(http, await ExportDocumentAsync(http), forwards);
        }
        if (settings.Measures(AppScaleRow.History)) await HistoryAsync(forwards);
    }

    private async Task<NatgwProcess> StartNatgwAsync(Func<string, Task>? prepareDatabase = null)
    {
        var clock = Stopwatch.StartNew();
        var port = _nextPort++;
        var natgw = await NatgwProcess.StartInNamespaceAsync(lab.Gateway, ListenAddress, port, settings.NatgwPath,
            agent is null ? null : ["--agent", agent.Socket], prepareDatabase);
        guard.Add(() => natgw.KillHardAsync().GetAwaiter().GetResult());
        Log($"natgw serve{(agent is null ? " (single-process)" : " --agent")} on {ListenAddress}:{port} answering after {clock.Elapsed.TotalSeconds:0.0} s (pid {natgw.ProcessId})");
        return natgw;
    }

    private static HttpClient Client(NatgwProcess natgw)
    {
        var http = natgw.CreateClient(natgw.AdminToken);
        http.Timeout = TimeSpan.FromMinutes(10);
        return http;
    }

    private static async Task<JsonObject> ExportDocumentAsync(HttpClient http) =>
        JsonNode.Parse((await TimedHttp.EnsureAsync(TimedHttp.GetAsync(http, "api/v1/config/export", keepBody: true), "config export")).Body)!.AsObject();

    /// <summary>The export document with its rules replaced (the body of <c>POST /api/v1/config/import</c>).</summary>
    private static string ImportBody(JsonObject document, string rulesArrayJson)
    {
        var copy = document.DeepClone().AsObject();
        copy["rules"] = JsonNode.Parse(rulesArrayJson);
        return copy.ToJsonString();
    }

    private static Task<TimedResponse> ApplyAsync(HttpClient http, string comment) =>
        TimedHttp.PostAsync(http, "api/v1/rules/apply", JsonSerializer.Serialize(new { comment }), keepBody: true);

    /// <summary>
    /// Each round from the same state (in force: the masquerade alone, untimed): N rules, named for the round, imported as
    /// the draft (timed), then applied (timed, to the last byte of the answer, which names the recorded revision).
    /// </summary>
    private async Task ApplyAndImportAsync(HttpClient http, JsonObject document, int forwards, EngineFigures engine)
    {
        var n = forwards + 1;
        // Each round's list is new to natgw and its agent (the names carry the round): an apply of a list either side
        // already validated or compiled would measure their caches, not what an operator's new import costs.
        string Full(int round) => ImportBody(document, ScaleRules.ArrayJson(ScaleRules.Create(forwards).Select(r => r with { Name = $"{r.Name}-r{round}" }).ToList()));
        var full = Full(0);
        var small = ImportBody(document, ScaleRules.ArrayJson([ScaleRules.Masquerade(0)]));
        Log($"import body {full.Length / 1024.0 / 1024:0.00} MB");
        var imports = new List<double>();
        var applies = new List<double>();
        long revision = 0;
        for (var round = 0; round <= settings.Rounds; round++) // round 0: warm-up, not counted
        {
            await TimedHttp.EnsureAsync(TimedHttp.PostAsync(http, "api/v1/config/import", small), "import of the masquerade alone");
            await TimedHttp.EnsureAsync(ApplyAsync(http, "app-scale reset"), "apply of the masquerade alone");
            if (round > 0) full = Full(round);
            var import = await TimedHttp.EnsureAsync(TimedHttp.PostAsync(http, "api/v1/config/import", full), "config import");
            var apply = await TimedHttp.EnsureAsync(ApplyAsync(http, $"app-scale round {round}"), "rules/apply");
            revision = JsonDocument.Parse(apply.Body).RootElement.GetProperty("revisionId").GetInt64();
            Log(string.Create(CultureInfo.InvariantCulture, $"round {round}: import {import.Ms:0} ms, apply {apply.Ms:0} ms (revision {revision}){(round == 0 ? " — warm-up" : "")}"));
            if (round == 0) continue;
            imports.Add(import.Ms);
            applies.Add(apply.Ms);
        }
        // Revision recorded: the newest in the list, with the N rules.
        var list = await TimedHttp.EnsureAsync(TimedHttp.GetAsync(http, "api/v1/revisions?page=1&pageSize=1", keepBody: true), "revisions list");
        var newest = JsonDocument.Parse(list.Body).RootElement.GetProperty("items")[0];
        var recorded = newest.GetProperty("id").GetInt64() == revision && newest.GetProperty("ruleCount").GetInt32() == n;
        if (!recorded) Log($"WARNING: the newest revision is not {revision} with {n} rules: {list.Short}");
        if (settings.Measures(AppScaleRow.Apply))
            report.AddTimed("POST /api/v1/rules/apply", n, applies, engine.ApplyMs, $"{AppScaleReport.Ms(engine.ApplyMs)} compile + 1 nft transaction",
                "≤ 0.5 s end to end, revision recorded", 500, note: recorded ? $"revision recorded ({n:N0} rules)" : "REVISION NOT FOUND");
        if (settings.Measures(AppScaleRow.Import))
            report.AddTimed("POST /api/v1/config/import", n, imports, engine.ParseValidateMs, $"{AppScaleReport.Ms(engine.ParseValidateMs)} parse + validate all",
                "≤ 1 s", 1000, note: $"{full.Length / 1024.0 / 1024:0.0} MB body");
    }

    /// <summary>One more rule onto N in force (= the draft): a fresh name and port each time, deleted again (untimed).</summary>
    private async Task CreateOneAsync(HttpClient http, int n, EngineFigures engine)
    {
        var samples = new List<double>();
        for (var i = 0; i < settings.CreateSamples + 3; i++) // 3 warm-up
        {
            var created = await TimedHttp.EnsureAsync(TimedHttp.PostAsync(http, "api/v1/rules", ScaleRules.NewForwardJson($"one-more-{i}", ExtraPortBase + i), keepBody: true), "POST one rule");
            if (i >= 3) samples.Add(created.Ms);
            var id = JsonDocument.Parse(created.Body).RootElement.GetProperty("id").GetString();
            await TimedHttp.EnsureAsync(TimedHttp.SendAsync(http, HttpMethod.Delete, $"api/v1/rules/{id}"), "DELETE the extra rule");
        }
        report.AddTimed("POST /api/v1/rules (one more rule)", n, samples, engine.ValidateOneMs, $"{AppScaleReport.Ms(engine.ValidateOneMs)} validate it against N",
            "≤ 20 ms p95", 20, judgeP95: true, note: "deleted again after each (untimed)");
    }

    /// <summary>N in force, the draft one rule more: the pending changes, without and with the ruleset diff.</summary>
    private async Task PendingAsync(HttpClient http, int n, EngineFigures engine)
    {
        var created = await TimedHttp.EnsureAsync(TimedHttp.PostAsync(http, "api/v1/rules", ScaleRules.NewForwardJson("pending-one", ExtraPortBase + 999), keepBody: true), "POST one rule");
        var id = JsonDocument.Parse(created.Body).RootElement.GetProperty("id").GetString();
        foreach (var (url, label, engineMs, engineText, goal, goalMs) in new[]
                 {
                     ("api/v1/rules/pending", "GET /api/v1/rules/pending (rule diff)", engine.RuleDiffMs, "keyed rule diff", "≤ 200 ms", 200.0),
                     ("api/v1/rules/pending?ruleset=true", "GET /api/v1/rules/pending?ruleset=true", engine.RuleDiffCompileMs, "rule diff + compile", "≤ 0.6 s", 600.0),
                 })
        {
            var first = await TimedHttp.GetAsync(http, url, keepBody: false);
            if (!first.Ok)
            {
                report.AddMissing(label, n, goal, first.EndpointMissing || first.Status == HttpStatusCode.BadRequest ? "n/a (endpoint missing)" : $"HTTP {(int)first.Status}");
                continue;
            }
            var samples = new List<double>();
            long bytes = 0;
            for (var i = 0; i < Math.Max(settings.Rounds, 5); i++)
            {
                var response = await TimedHttp.EnsureAsync(TimedHttp.GetAsync(http, url), label);
                samples.Add(response.Ms);
                bytes = response.Bytes;
            }
            report.AddTimed(label, n, samples, engineMs, $"{AppScaleReport.Ms(engineMs)} {engineText}", goal, goalMs, note: $"draft = in force + 1 rule; {bytes / 1024.0:0} KiB");
        }
        await TimedHttp.EnsureAsync(TimedHttp.SendAsync(http, HttpMethod.Delete, $"api/v1/rules/{id}"), "DELETE the extra rule");
    }

    /// <summary>A page of 50 (if the commit pages) and the whole list: to the last byte, and the first byte of the whole list.</summary>
    private async Task ListAsync(HttpClient http, int n, EngineFigures engine)
    {
        const string pageUrl = "api/v1/rules?page=1&pageSize=50";
        var first = await TimedHttp.GetAsync(http, pageUrl);
        if (!first.Ok)
            report.AddMissing("GET /api/v1/rules?page=1&pageSize=50", n, "≤ 100 ms", first.EndpointMissing || first.Status == HttpStatusCode.BadRequest ? "n/a (endpoint missing)" : $"HTTP {(int)first.Status}");
        else if (first.Body.TrimStart().StartsWith('['))
            report.AddMissing("GET /api/v1/rules?page=1&pageSize=50", n, "≤ 100 ms", $"n/a (endpoint missing: no paging, the whole list came back in {AppScaleReport.Ms(first.Ms)})");
        else
        {
            var samples = new List<double>();
            for (var i = 0; i < Math.Max(settings.Rounds * 4, 20); i++) samples.Add((await TimedHttp.EnsureAsync(TimedHttp.GetAsync(http, pageUrl), "rules page")).Ms);
            report.AddTimed("GET /api/v1/rules?page=1&pageSize=50", n, samples, engine.SerializePageMs, $"{AppScaleReport.Ms(engine.SerializePageMs)} JSON of 50 rules", "≤ 100 ms", 100);
        }

        var whole = new List<double>();
        var firstBytes = new List<double>();
        long bytes = 0;
        for (var i = 0; i < Math.Max(settings.Rounds, 3); i++)
        {
            var response = await TimedHttp.EnsureAsync(TimedHttp.GetAsync(http, "api/v1/rules"), "GET all rules");
            whole.Add(response.Ms);
            firstBytes.Add(response.FirstByteMs);
            bytes = response.Bytes;
        }
        var firstByte = Statistics.Median(firstBytes);
        report.Add(new AppScaleFigure("GET /api/v1/rules (whole list, to the last byte)", n,
            $"{AppScaleReport.Ms(Statistics.Median(whole))} / {AppScaleReport.Ms(Statistics.Percentile(whole, 95))} (n={whole.Count})", Statistics.Median(whole),
            $"{AppScaleReport.Ms(engine.SerializeAllMs)} JSON of all", engine.SerializeAllMs, "streams (first byte ≤ 100 ms)", firstByte <= 100,
            $"first byte {AppScaleReport.Ms(firstByte)}; {bytes / 1024.0 / 1024:0.00} MB"));
    }

    /// <summary>
    /// N rules in force; natgw settled (idle RSS read then); the Rules page opened in Chromium through a TCP proxy into the
    /// gateway namespace, up to 3 loads (stopped after one that is not usable within the limit).
    /// </summary>
    private async Task PageAsync(NatgwProcess natgw, HttpClient http, JsonObject document, int forwards)
    {
        var n = forwards + 1;
        await TimedHttp.EnsureAsync(TimedHttp.PostAsync(http, "api/v1/config/import", ImportBody(document, ScaleRules.ArrayJson(ScaleRules.Create(forwards)))), "config import");
        await TimedHttp.EnsureAsync(ApplyAsync(http, "app-scale page"), "rules/apply");
        GC.Collect();
        var quiet = await WaitUntilQuietAsync(natgw.ProcessId, TimeSpan.FromSeconds(60));
        var idle = RssSampler.ReadMiB(natgw.ProcessId);
        Log(string.Create(CultureInfo.InvariantCulture, $"natgw serve idle RSS {idle:0} MiB ({(quiet ? "quiet" : "still busy")})"));
        await using var proxy = new NamespaceTcpProxy(lab.Gateway, new IPEndPoint(IPAddress.Loopback, natgw.BaseAddress.Port));
        await using var probe = await RulesPageProbe.StartAsync();
        var session = await probe.SignInAsync(proxy.LocalUri, TestAccounts.AdminName, TestAccounts.AdminPassword);
        var peak = idle;
        string? failure = null;
        // Warm: a new tab of the signed-in browser (what the operator waits for after sign-in); cold: a fresh context with
        // the cookie (empty HTTP cache, the first visit). Alternated in pairs so both see the same load on the box.
        var usable = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        var harness = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        for (var i = 0; i < Math.Min(settings.Rounds, 5) + 1 && failure is null; i++) // round 0: warm-up (JIT of the page), counted only if it is the only one
        {
            foreach (var warm in new[] { true, false })
            {
                var load = await probe.LoadAsync(proxy.LocalUri, session, natgw.ProcessId, settings.PageLimit, warm);
                peak = Math.Max(peak, load.PeakRssMiB);
                Log(string.Create(CultureInfo.InvariantCulture, $"page load {i} {(warm ? "warm" : "cold")}: {(load.UsableMs is { } ms ? $"{ms:0} ms" : load.Failure)}, peak RSS {load.PeakRssMiB:0} MiB; {load.Timeline}"));
                if (load.UsableMs is null)
                {
                    failure = load.Failure;
                    break;
                }
                if (i > 0 || load.UsableMs > settings.PageLimit.TotalMilliseconds / 4)
                {
                    usable[warm].Add(load.UsableMs.Value);
                    if (load.HarnessMs is { } seen) harness[warm].Add(seen);
                }
            }
            if (i == 0 && usable[true].Count + usable[false].Count > 0) break; // slow: one load says it
        }
        foreach (var warm in new[] { true, false })
        {
            var row = warm ? "Rules page: first rule row usable (Chromium, warm: new tab after sign-in)" : "Rules page: first rule row usable (Chromium, cold HTTP cache)";
            if (usable[warm].Count > 0)
                report.AddTimed(row, n, usable[warm], null, "—", "≤ 1 s", 1000, note: "from navigation to the first row visible with the circuit live, on the browser's clock; Chromium started before"
                    + (harness[warm].Count > 0 ? string.Create(CultureInfo.InvariantCulture,
                        $"; on the harness's clock (with Playwright's round trips) {AppScaleReport.Ms(Statistics.Median(harness[warm]))} / {AppScaleReport.Ms(Statistics.Percentile(harness[warm], 95))}") : ""));
            else
                report.Add(new AppScaleFigure(row, n, failure ?? "not measured", null, "—", null, "≤ 1 s", false));
        }
        var above = peak - idle;
        report.Add(new AppScaleFigure("Rules page: natgw serve RSS above idle", n, string.Create(CultureInfo.InvariantCulture, $"{above:0} MiB"), null, "—", null,
            "≤ 300 MB", above <= 300, string.Create(CultureInfo.InvariantCulture, $"idle {idle:0} MiB, peak {peak:0} MiB (VmRSS)")));
    }

    /// <summary>
    /// Creating rules one by one through the API: from empty (or from N − cap seeded by import when N exceeds the cap),
    /// POST /api/v1/rules for each remaining forward in turn, until done or the time limit; rules/s over the first and last tenth.
    /// </summary>
    private async Task OneByOneAsync(HttpClient http, JsonObject document, int forwards)
    {
        var n = forwards + 1;
        var seeded = Math.Max(0, forwards - settings.OneByOneCap);
        var planned = forwards - seeded;
        var seedRules = PortForwards.Create(seeded).Append(ScaleRules.Masquerade(seeded)).ToList();
        await TimedHttp.EnsureAsync(TimedHttp.PostAsync(http, "api/v1/config/import", ImportBody(document, ScaleRules.ArrayJson(seedRules))), "config import of the seed");
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        for (var i = seeded; i < forwards && clock.Elapsed < settings.OneByOneLimit; i++)
        {
            var response = await TimedHttp.EnsureAsync(TimedHttp.PostAsync(http, "api/v1/rules", ScaleRules.NewForwardJson($"bench{i + 1}", PortForwards.FirstPort + i)), "POST rule one by one");
            times.Add(response.Ms);
            if (times.Count % Math.Max(1, planned / 10) == 0 || times.Count <= 3)
                Log(string.Create(CultureInfo.InvariantCulture, $"one by one: {seeded + times.Count:N0} rules, last {response.Ms:0} ms per rule"));
        }
        var tenth = Math.Max(1, times.Count / 10);
        var firstRate = tenth / (times.Take(tenth).Sum() / 1000);
        var lastRate = tenth / (times.TakeLast(tenth).Sum() / 1000);
        var done = times.Count == planned;
        var flat = lastRate >= 0.8 * firstRate;
        var note = (seeded > 0 ? $"{seeded:N0} seeded by import, then " : "from empty, ") +
                   $"{times.Count:N0} of {planned:N0} created one by one" + (done ? "" : $" (stopped at the {settings.OneByOneLimit.TotalSeconds:0} s limit)") +
                   $"; tenths of {tenth:N0}; {(flat ? "flat" : "falling")}";
        report.Add(new AppScaleFigure("creating rules one by one (POST /api/v1/rules)", n,
            string.Create(CultureInfo.InvariantCulture, $"{Rate(firstRate)} → {Rate(lastRate)} rules/s (first → last tenth)"), null, "—", null,
            "≥ 200 rules/s, flat", done && flat && Math.Min(firstRate, lastRate) >= 200, note));
    }

    private static string Rate(double perSecond) => perSecond.ToString(perSecond < 10 ? "0.0" : "0", CultureInfo.InvariantCulture);

    /// <summary>A natgw whose database holds a seeded history (revisions of N rules each): the first page of the list, and a diff of the newest two.</summary>
    private async Task HistoryAsync(int forwards)
    {
        var n = forwards + 1; // HistorySeed writes the forwards + 1 masquerade, as the other rows use
        var revisions = settings.HistoryRevisions;
        var seedClock = Stopwatch.StartNew();
        NatgwProcess natgw;
        try
        {
            natgw = await StartNatgwAsync(db => HistorySeed.SeedAsync(db, revisions, forwards, CancellationToken.None));
        }
        catch (NotSupportedException e)
        {
            report.AddMissing($"GET /api/v1/revisions?page=1 ({revisions:N0} revisions)", n, "≤ 100 ms", $"n/a ({e.Message})");
            report.AddMissing("GET /api/v1/revisions/{a}/diff/{b}", n, "≤ 300 ms", "n/a (no seeded history)");
            return;
        }
        await using (natgw)
        {
            Log($"history: {revisions:N0} revisions of {n:N0} rules seeded, natgw answering after {seedClock.Elapsed.TotalSeconds:0} s");
            using var http = Client(natgw);
            var list = new List<double>();
            TimedResponse? page = null;
            for (var i = 0; i < Math.Max(settings.Rounds * 4, 20) + 2; i++)
            {
                page = await TimedHttp.EnsureAsync(TimedHttp.GetAsync(http, "api/v1/revisions?page=1", keepBody: true), "revisions list");
                if (i >= 2) list.Add(page.Ms);
            }
            var root = JsonDocument.Parse(page!.Body).RootElement;
            var total = root.GetProperty("totalCount").GetInt32();
            report.AddTimed($"GET /api/v1/revisions?page=1 ({revisions:N0} revisions)", n, list, null, "—", "≤ 100 ms", 100, note: $"totalCount {total:N0}");
            var items = root.GetProperty("items");
            if (items.GetArrayLength() < 2)
            {
                report.AddMissing("GET /api/v1/revisions/{a}/diff/{b}", n, "≤ 300 ms", "fewer than 2 revisions");
                return;
            }
            // Two neighbouring revisions of the seeded history (one rule changed): natgw's own start-up revision on top
            // holds its kernel-rendered ruleset, not the seed's stand-in text, so it is not the pair to compare.
            var seeded = items.EnumerateArray().Where(r => r.GetProperty("kind").GetString() != "startup").ToList();
            if (seeded.Count < 2)
            {
                report.AddMissing("GET /api/v1/revisions/{a}/diff/{b}", n, "≤ 300 ms", "fewer than 2 seeded revisions");
                return;
            }
            // Each timed diff is of a different neighbouring pair, so none is answered from the document cache of an
            // earlier one; the first (oldest pair) warms up the code paths and is not counted.
            var diffs = new List<double>();
            // Disjoint pairs (2k+1 → 2k): no revision of one pair is in another, so no document is read twice.
            var pairs = Math.Min(seeded.Count / 2, Math.Max(settings.Rounds, 5) + 1);
            for (var i = pairs - 1; i >= 0; i--)
            {
                var (older, newer) = (seeded[2 * i + 1].GetProperty("id").GetInt64(), seeded[2 * i].GetProperty("id").GetInt64());
                var diff = await TimedHttp.EnsureAsync(TimedHttp.GetAsync(http, $"api/v1/revisions/{older}/diff/{newer}"), "revision diff");
                if (i < pairs - 1) diffs.Add(diff.Ms);
            }
            report.AddTimed("GET /api/v1/revisions/{a}/diff/{b}", n, diffs, null, "—", "≤ 300 ms", 300,
                note: $"{diffs.Count} different neighbouring pairs, none cached before; newest {seeded[1].GetProperty("id").GetInt64()} → {seeded[0].GetProperty("id").GetInt64()}");
        }
    }

    /// <summary>Polls until the process uses under 5% of a core over 1 s (or the deadline): the tiered JIT and GC settle after the set-up.</summary>
    private static async Task<bool> WaitUntilQuietAsync(int pid, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < deadline)
        {
            var before = HttpMirrorBench.ProcessCpu(pid);
            var window = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(1)); // a measurement window
            if ((HttpMirrorBench.ProcessCpu(pid) - before).TotalMilliseconds < 0.05 * window.Elapsed.TotalMilliseconds) return true;
        }
        return false;
    }
}
