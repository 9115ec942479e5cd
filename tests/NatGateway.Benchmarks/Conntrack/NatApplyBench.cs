using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NatGateway.Benchmarks.Nat;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// Item 7 (issue 11, item 6; the scale issue's budget): apply of N plain UDP port forwards (<see cref="PortForwards"/>)
/// end to end through the REST API of natgw serve in the benchmark namespace, on a fresh database: the rules become the
/// draft by <c>POST /api/v1/config/import</c> (the exported document with its rules replaced; there is no batch create
/// yet), then <c>POST /api/v1/rules/apply</c> is timed from sending to the last byte of the answer. In agent mode natgw
/// serve --agent first, then the same apply single-process (the anchor) on another fresh natgw; our tables are emptied
/// through the agent before each, so both start from the same kernel state. A diagnostic line gives the agent's own
/// NatTables.Apply of the same list (the kernel part, no database or revision work).
/// </summary>
internal static class NatApplyBench
{
    private const double TargetSeconds = 0.5;

    public static async Task MeasureAsync(BenchContext context)
    {
        var output = context.Output;
        var count = context.Settings.NatRules;
        output.WriteLine();
        output.WriteLine($"7. apply of {count:N0} UDP port forwards through the REST API (config import, then POST /api/v1/rules/apply timed)");
        if (!File.Exists(context.Settings.NatgwPath))
        {
            context.Log($"SKIPPED: {context.Settings.NatgwPath} not built (dotnet build -c Release src/NatGateway.Web)");
            return;
        }
        var rules = PortForwards.Create(count);
        var rulesJson = RulesArray(rules);
        context.Log($"rule list: {count:N0} × iifname \"{NamespaceLab.GatewayLanInterface}\" udp dport P dnat to {NamespaceLab.ServerAddress}:P, {Encoding.UTF8.GetByteCount(rulesJson.ToJsonString()) / 1024.0 / 1024:0.0} MB as JSON");

        Sample? agentApply = null;
        if (context.Agent is not null) agentApply = await ApplyOverApiAsync(context, rulesJson, throughAgent: true, port: 5081);
        var single = await ApplyOverApiAsync(context, rulesJson, throughAgent: false, port: 5082);

        if (agentApply is { } a)
            context.Report.Add(new ReportRow("7", $"apply {count:N0} UDP forwards over REST, natgw serve --agent (through the agent)",
                Statistics.Seconds(a.Wall.TotalSeconds), $"single-process {Statistics.Seconds(single.Wall.TotalSeconds)}",
                Statistics.Ratio(a.Wall / single.Wall), $"≤ {TargetSeconds} s", a.Wall.TotalSeconds <= TargetSeconds,
                string.Create(CultureInfo.InvariantCulture, $"{Statistics.Ratio(a.Cpu / single.Cpu)} ({a.Cpu.TotalSeconds:0.00} s / {single.Cpu.TotalSeconds:0.00} s)")));
        context.Report.Add(new ReportRow(agentApply is null ? "7" : "7s", $"apply {count:N0} UDP forwards over REST, natgw serve single-process",
            Statistics.Seconds(single.Wall.TotalSeconds), "", "", $"≤ {TargetSeconds} s", single.Wall.TotalSeconds <= TargetSeconds,
            string.Create(CultureInfo.InvariantCulture, $"(CPU {single.Cpu.TotalSeconds:0.00} s)")));

        if (context.Agent is { } agent)
        {
            agent.Kernel.NatTables.Apply([]);
            var agentCpu = agent.Cpu;
            ApplyResult? result = null;
            var sample = Sample.Measure(() => result = agent.Kernel.NatTables.Apply(rules));
            agentCpu = agent.Cpu - agentCpu;
            context.Log(string.Create(CultureInfo.InvariantCulture,
                $"agent NatTables.Apply of the same list from empty tables: {sample.Wall.TotalSeconds:0.000} s (nft in the agent {result!.Duration.TotalSeconds:0.000} s, " +
                $"{result.CommandCount:N0} commands); CPU: agent {agentCpu.TotalSeconds:0.00} s, this process (rules to JSON) {sample.Cpu.TotalSeconds:0.00} s"));
            context.Report.Add(new ReportRow("7k", $"of which the kernel part: AgentGatewayKernel.NatTables.Apply({count:N0} rules)",
                Statistics.Seconds(sample.Wall.TotalSeconds), $"nft in the agent {Statistics.Seconds(result.Duration.TotalSeconds)}", "", "(diagnostic)", null,
                string.Create(CultureInfo.InvariantCulture, $"(CPU agent {agentCpu.TotalSeconds:0.00} s, caller {sample.Cpu.TotalSeconds:0.00} s)")));
            agent.Kernel.NatTables.Apply([]);
        }
    }

    /// <summary>Starts a fresh natgw (through the agent or not), imports the rules as the draft, times the apply, stops natgw.
    /// The sample's CPU is natgw serve's and the agent's during the request.</summary>
    private static async Task<Sample> ApplyOverApiAsync(BenchContext context, JsonArray rulesJson, bool throughAgent, int port)
    {
        context.Agent?.Kernel.NatTables.Apply([]); // the same start for both modes: our tables empty
        await using var natgw = await HttpMirrorBench.StartNatgwAsync(context, throughAgent, port)
            ?? throw new InvalidOperationException("natgw not built");
        // natgw.Http has already been used (start-up polling); its timeout can no longer change.
        using var http = natgw.CreateClient(natgw.AdminToken);
        http.Timeout = TimeSpan.FromMinutes(10);

        var document = JsonNode.Parse(await http.GetStringAsync("api/v1/config/export"))!.AsObject();
        document["rules"] = rulesJson.DeepClone();
        var body = document.ToJsonString();
        var importClock = Stopwatch.StartNew();
        using (var import = await http.PostAsync("api/v1/config/import", new StringContent(body, Encoding.UTF8, "application/json")))
        {
            var text = await import.Content.ReadAsStringAsync();
            if (import.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"config import: HTTP {(int)import.StatusCode} {Shorten(text)}");
            context.Log($"{Mode(throughAgent)}: config import of {body.Length / 1024.0 / 1024:0.0} MB took {importClock.Elapsed.TotalSeconds:0.000} s: {text}");
        }

        var agentCpu = throughAgent ? context.Agent!.Cpu : TimeSpan.Zero;
        var webCpu = HttpMirrorBench.ProcessCpu(natgw.ProcessId);
        var clock = Stopwatch.StartNew();
        using var apply = await http.PostAsync("api/v1/rules/apply", new StringContent("{}", Encoding.UTF8, "application/json"));
        var answer = await apply.Content.ReadAsStringAsync();
        var elapsed = clock.Elapsed;
        webCpu = HttpMirrorBench.ProcessCpu(natgw.ProcessId) - webCpu;
        agentCpu = throughAgent ? context.Agent!.Cpu - agentCpu : TimeSpan.Zero;
        if (apply.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"rules/apply: HTTP {(int)apply.StatusCode} {Shorten(answer)}");
        var agentPart = throughAgent ? string.Create(CultureInfo.InvariantCulture, $" + agent {agentCpu.TotalSeconds:0.00} s") : "";
        context.Log(string.Create(CultureInfo.InvariantCulture,
            $"{Mode(throughAgent)}: POST /api/v1/rules/apply took {elapsed.TotalSeconds:0.000} s, CPU natgw serve {webCpu.TotalSeconds:0.00} s{agentPart} (load {Statistics.LoadAverage()}): {Shorten(answer)}"));

        // natgw's own breakdown of the apply (its log line per revision).
        foreach (var line in natgw.Output.Split('\n').Where(l => l.Contains(" ms: journal ") || l.Contains("rules: draft read in")))
            context.Log($"{Mode(throughAgent)} log: {line.Trim()}");

        // The kernel holds them: the ruleset in the namespace names the last forward's port.
        var ruleset = ProcessRunner.Run("ip", ["netns", "exec", context.Ns, "nft", "list", "ruleset"], TimeSpan.FromMinutes(2));
        var lastPort = (PortForwards.FirstPort + rulesJson.Count - 1).ToString(CultureInfo.InvariantCulture);
        if (!ruleset.StandardOutput.Contains(lastPort, StringComparison.Ordinal))
            context.Log($"WARNING: nft list ruleset does not mention port {lastPort} after the apply");
        return new Sample(elapsed, webCpu + agentCpu);
    }

    private static string Mode(bool throughAgent) => throughAgent ? "natgw serve --agent" : "natgw serve single-process";

    private static JsonArray RulesArray(IReadOnlyList<NatRule> rules)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var rule in rules) NatRuleJson.Write(writer, rule);
            writer.WriteEndArray();
        }
        return JsonNode.Parse(buffer.WrittenSpan)!.AsArray();
    }

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
