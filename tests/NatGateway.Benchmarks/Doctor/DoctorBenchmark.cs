using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NatGateway.Benchmarks.AppScale;
using NatGateway.Benchmarks.Conntrack;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Doctor;

/// <summary>
/// <c>doctor [--entries 100000] [--rounds 5] [--scrapes 50] [--drop-pps 50000] [--single-process] [--only doctor|cli|metrics|drops[,...]] [--natgw PATH]</c>
/// (issue 13): what the user of the doctor waits for, end to end, beside an anchor measured in the same run, in a lab
/// whose gateway holds N SNAT'd UDP entries made with real traffic (client → masquerade → server):
/// (1) <c>GET /api/v1/doctor</c> (all checks, natgw serve through <c>natgw agent</c> unless --single-process) with the
/// conntrack mirror off (the SNAT meter makes one filtered dump) and on (it scans the live mirror), and
/// <c>natgw doctor --output json</c>, each against <c>conntrack -L -n</c> (the SNAT'd entries) on the same table;
/// (2) <c>GET /metrics</c> against <c>conntrack -C; conntrack -S</c> (what node_exporter reads);
/// (3) <c>POST /api/v1/doctor/drops {"seconds": 5}</c> while the client sends a steady stream the gateway's nft rule drops:
/// events counted against packets dropped, and the agent's CPU time during the capture as a share of one core.
/// nf_conntrack_max is raised globally for the run if needed and restored (also on Ctrl-C).
/// </summary>
public sealed class DoctorBenchmark : IBenchmark
{
    private const string Usage = "usage: doctor [--entries 100000] [--rounds 5] [--scrapes 50] [--drop-pps 50000] [--single-process] [--only doctor|cli|metrics|drops[,...]] [--natgw PATH]";
    private const string ListenAddress = "127.0.0.1";
    private const int Port = 5280;

    public string Description => "the doctor end to end (GET /api/v1/doctor mirror off/on, natgw doctor CLI, /metrics scrape, drop capture) beside conntrack -L -n / -C -S";

    public int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var settings = new DoctorBenchSettings(100_000, 5, 50, 50_000, false, Enum.GetValues<DoctorBenchPart>().ToHashSet(), NatgwCliBinary.DefaultPath);
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            var number = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : (int?)null;
            switch (args[i])
            {
                case "--entries" when number is { } entries: settings = settings with { Entries = entries }; i++; break;
                case "--rounds" when number is { } rounds: settings = settings with { Rounds = rounds }; i++; break;
                case "--scrapes" when number is { } scrapes: settings = settings with { Scrapes = scrapes }; i++; break;
                case "--drop-pps" when number is { } pps: settings = settings with { DropPacketsPerSecond = pps }; i++; break;
                case "--single-process": settings = settings with { SingleProcess = true }; break;
                case "--only" when ParseParts(value) is { } parts: settings = settings with { Parts = parts }; i++; break;
                case "--natgw" when value is not null: settings = settings with { NatgwPath = Path.GetFullPath(value) }; i++; break;
                default:
                    output.WriteLine($"doctor: unknown or incomplete option '{args[i]}'");
                    output.WriteLine(Usage);
                    return 2;
            }
        }
        if (!Root.IsRoot)
        {
            output.WriteLine("doctor: needs root (lab namespaces, nftables, nf_conntrack_max, tracefs)");
            return 1;
        }
        if (!File.Exists(settings.NatgwPath))
        {
            output.WriteLine($"doctor: {settings.NatgwPath} not built (dotnet build -c Release src/NatGateway.Web)");
            return 1;
        }
        return RunAsync(settings, output).GetAwaiter().GetResult();
    }

    private static HashSet<DoctorBenchPart>? ParseParts(string? value)
    {
        if (value is null) return null;
        var parts = new HashSet<DoctorBenchPart>();
        foreach (var text in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<DoctorBenchPart>(text, ignoreCase: true, out var part) || !Enum.IsDefined(part)) return null;
            parts.Add(part);
        }
        return parts.Count > 0 ? parts : null;
    }

    private static async Task<int> RunAsync(DoctorBenchSettings settings, TextWriter output)
    {
        var total = Stopwatch.StartNew();
        output.WriteLine($"kernel {Environment.OSVersion.Version}, {Environment.ProcessorCount} cores, load average {Statistics.LoadAverage()} at start; " +
                         $"natgw {settings.NatgwPath} built {File.GetLastWriteTime(settings.NatgwPath):yyyy-MM-dd HH:mm}");
        var report = new DoctorBenchReport();
        string mode;
        using (var guard = new RunGuard(output))
        {
            // The flood's entries, room for the other namespaces' entries.
            guard.Add(new GlobalConntrackMax(settings.Entries + 100_000, output));
            var lab = guard.Add(NamespaceLab.Create());
            DoctorBenchLab.Prepare(lab);
            output.WriteLine($"lab gateway namespace {lab.Gateway} (deleted at the end)");
            BenchAgent? agent = null;
            if (!settings.SingleProcess)
            {
                agent = guard.Add(BenchAgent.Start(settings.NatgwPath, lab.Gateway));
                output.WriteLine($"natgw agent in {lab.Gateway}, socket {agent.Socket} (pid {agent.ProcessId})");
            }
            mode = agent is null ? "single-process" : "through the agent";
            var clock = Stopwatch.StartNew();
            var natgw = await NatgwProcess.StartInNamespaceAsync(lab.Gateway, ListenAddress, Port, settings.NatgwPath,
                agent is null ? null : ["--agent", agent.Socket]);
            guard.Add(() => natgw.KillHardAsync().GetAwaiter().GetResult());
            output.WriteLine($"natgw serve {mode} on {ListenAddress}:{Port} answering after {clock.Elapsed.TotalSeconds:0.0} s (pid {natgw.ProcessId})");
            try
            {
                var run = new DoctorBenchRun(settings, lab, natgw, agent, report, output);
                await run.MasqueradeAsync();
                run.Fill();
                if (settings.Measures(DoctorBenchPart.Doctor)) await run.DoctorApiAsync(mirror: false);
                if (settings.Measures(DoctorBenchPart.Cli)) run.DoctorCli();
                if (settings.Measures(DoctorBenchPart.Metrics)) await run.MetricsAsync();
                if (settings.Measures(DoctorBenchPart.Doctor))
                {
                    await run.StartMirrorAsync();
                    await run.DoctorApiAsync(mirror: true);
                }
                if (settings.Measures(DoctorBenchPart.Drops)) await run.DropsAsync();
            }
            catch (Exception e) // the table of what was measured still prints, and the lab is cleaned up in any case
            {
                output.WriteLine($"   FAILED: {e}");
                output.WriteLine($"   natgw output (tail): {Tail(natgw.Output)}");
                if (agent is not null) output.WriteLine($"   agent output (tail): {Tail(agent.Output)}");
            }
        }
        report.Print(output, $"doctor benchmark, natgw serve {mode}, {settings.Entries:N0} SNAT'd UDP entries, {settings.Rounds} rounds " +
                             $"({settings.Scrapes} scrapes), {Environment.ProcessorCount} cores, load average {Statistics.LoadAverage()} at end, total {total.Elapsed.TotalSeconds:0} s. " +
                             "Times are wall clock, request sent to last byte read (commands: start to exit); ours/anchor compares medians.");
        return 0;
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}

/// <summary>The measurements of one run, on one lab and one natgw serve.</summary>
internal sealed class DoctorBenchRun(DoctorBenchSettings settings, NamespaceLab lab, NatgwProcess natgw, BenchAgent? agent, DoctorBenchReport report, TextWriter output)
{
    private const string AnchorDump = "conntrack -L -n";
    private const string AnchorStats = "sh -c 'conntrack -C; conntrack -S'";

    private void Log(string line) => output.WriteLine("   " + line);

    /// <summary>User + system CPU time of natgw so far: the web process and, in agent mode, the agent (work done for the web counts).</summary>
    private TimeSpan NatgwCpu => HttpMirrorBench.ProcessCpu(natgw.ProcessId) + (agent?.Cpu ?? TimeSpan.Zero);

    /// <summary>The masquerade the flood goes through: the lab client's network out of wan0, applied through the API.</summary>
    public async Task MasqueradeAsync()
    {
        await TimedHttp.EnsureAsync(TimedHttp.PostAsync(natgw.Http, "api/v1/rules", $$"""
            {"kind": "masquerade", "name": "lab-client", "outInterfaces": ["{{NamespaceLab.GatewayWanInterface}}"], "sourceCidrs": ["10.77.1.0/24"]}
            """), "create the masquerade");
        await TimedHttp.EnsureAsync(TimedHttp.PostAsync(natgw.Http, "api/v1/rules/apply", """{"comment": "doctor benchmark"}"""), "apply the masquerade");
    }

    public void Fill()
    {
        output.WriteLine();
        output.WriteLine($"filling the gateway's table with {settings.Entries:N0} UDP flows from the client through the masquerade (real traffic)");
        var clock = Stopwatch.StartNew();
        var added = DoctorBenchLab.Fill(lab, settings.Entries);
        var snat = DoctorBenchLab.SourceNatEntries(lab);
        Log($"{added:N0} entries in {clock.Elapsed.TotalSeconds:0.0} s; {snat:N0} of them SNAT'd (conntrack -L -n)");
        if (snat < settings.Entries * 0.95) Log($"WARNING: fewer SNAT'd entries than asked ({snat:N0} < {settings.Entries:N0})");
    }

    /// <summary>
    /// <c>GET /api/v1/doctor</c> (all checks), each round beside one <c>conntrack -L -n</c>. A warm-up call first, not
    /// counted: the doctor's first run after start samples twice a second apart (rates need two samples), later runs
    /// within 5 minutes reuse the previous sample, as an operator's repeated visits do.
    /// </summary>
    public async Task DoctorApiAsync(bool mirror)
    {
        var label = mirror ? "mirror ON (live mirror scan)" : "mirror OFF (one filtered dump)";
        output.WriteLine();
        output.WriteLine($"1. GET /api/v1/doctor, {label}: {settings.Rounds} rounds, each beside {AnchorDump}");
        var warm = await TimedHttp.EnsureAsync(TimedHttp.GetAsync(natgw.Http, "api/v1/doctor", keepBody: true), "GET /api/v1/doctor");
        Log(string.Create(CultureInfo.InvariantCulture, $"warm-up {warm.Ms:0} ms ({warm.Bytes:N0} bytes): {Summary(warm.Body)}"));
        var ours = new List<double>();
        var oursCpu = new List<double>();
        var anchor = new List<double>();
        var anchorCpu = new List<double>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            var cpu = NatgwCpu;
            var response = await TimedHttp.EnsureAsync(TimedHttp.GetAsync(natgw.Http, "api/v1/doctor"), "GET /api/v1/doctor");
            ours.Add(response.Ms);
            oursCpu.Add((NatgwCpu - cpu).TotalMilliseconds);
            var dump = TimedCommand.RunChecked(lab.Gateway, AnchorDump);
            anchor.Add(dump.Elapsed.TotalMilliseconds);
            anchorCpu.Add(dump.CpuTime.TotalMilliseconds);
            Log(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: doctor {response.Ms:0.0} ms, {AnchorDump} {dump.Elapsed.TotalMilliseconds:0.0} ms"));
        }
        report.Add(new DoctorRow(mirror ? "1b" : "1a", $"GET /api/v1/doctor (all checks), {label}", ours, AnchorDump, anchor,
            CpuNote(oursCpu, anchorCpu)));
    }

    /// <summary><c>natgw doctor --output json</c> run as an operator would (a fresh process each time, so .NET start-up and the
    /// doctor's two samples a second apart are in it), beside <c>conntrack -L -n</c>.</summary>
    public void DoctorCli()
    {
        var command = $"dotnet {settings.NatgwPath} doctor --output json --db {natgw.DatabasePath}" + (agent is null ? "" : $" --agent {agent.Socket}");
        output.WriteLine();
        output.WriteLine($"1c. {command}: {settings.Rounds} rounds (+1 warm-up), each beside {AnchorDump}");
        var ours = new List<double>();
        var oursCpu = new List<double>();
        var anchor = new List<double>();
        var anchorCpu = new List<double>();
        for (var round = 0; round <= settings.Rounds; round++)
        {
            var agentCpu = agent?.Cpu ?? TimeSpan.Zero;
            var cli = TimedCommand.Run(lab.Gateway, command, discardOutput: false);
            // Exit codes 0/1/2 are the report's worst status (ok, warning, critical); anything else is a failure.
            if (cli.ExitCode is not (0 or 1 or 2))
                throw new InvalidOperationException($"natgw doctor exited with {cli.ExitCode}: {cli.StandardError.Trim()}");
            var cpu = cli.CpuTime + ((agent?.Cpu ?? TimeSpan.Zero) - agentCpu);
            var dump = TimedCommand.RunChecked(lab.Gateway, AnchorDump);
            Log(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: natgw doctor {cli.Elapsed.TotalMilliseconds:0} ms (exit {cli.ExitCode}), {AnchorDump} {dump.Elapsed.TotalMilliseconds:0.0} ms{(round == 0 ? " — warm-up" : "")}"));
            if (round == 0)
            {
                Log($"report: {Summary(cli.StandardOutput)}");
                continue;
            }
            ours.Add(cli.Elapsed.TotalMilliseconds);
            oursCpu.Add(cpu.TotalMilliseconds);
            anchor.Add(dump.Elapsed.TotalMilliseconds);
            anchorCpu.Add(dump.CpuTime.TotalMilliseconds);
        }
        report.Add(new DoctorRow("1c", "natgw doctor --output json (CLI, fresh process, incl. .NET start-up and the 1 s between its two samples)",
            ours, AnchorDump, anchor, CpuNote(oursCpu, anchorCpu)));
    }

    /// <summary><c>GET /metrics</c> (the admin token; any role may scrape) beside <c>conntrack -C; conntrack -S</c>, interleaved.</summary>
    public async Task MetricsAsync()
    {
        output.WriteLine();
        output.WriteLine($"2. GET /metrics: {settings.Scrapes} scrapes (+5 warm-up), each beside {AnchorStats}");
        for (var w = 0; w < 5; w++) await TimedHttp.EnsureAsync(TimedHttp.GetAsync(natgw.Http, "metrics"), "GET /metrics");
        var ours = new List<double>();
        var oursCpu = new List<double>();
        var anchor = new List<double>();
        var anchorCpu = new List<double>();
        long bytes = 0;
        for (var i = 0; i < settings.Scrapes; i++)
        {
            var cpu = NatgwCpu;
            var scrape = await TimedHttp.EnsureAsync(TimedHttp.GetAsync(natgw.Http, "metrics"), "GET /metrics");
            ours.Add(scrape.Ms);
            oursCpu.Add((NatgwCpu - cpu).TotalMilliseconds);
            bytes = scrape.Bytes;
            var stats = TimedCommand.RunChecked(lab.Gateway, AnchorStats);
            anchor.Add(stats.Elapsed.TotalMilliseconds);
            anchorCpu.Add(stats.CpuTime.TotalMilliseconds);
        }
        Log(string.Create(CultureInfo.InvariantCulture,
            $"/metrics p50 {Statistics.Median(ours):0.00} ms p95 {Statistics.Percentile(ours, 95):0.00} ms ({bytes:N0} bytes); " +
            $"anchor p50 {Statistics.Median(anchor):0.00} ms p95 {Statistics.Percentile(anchor, 95):0.00} ms"));
        report.Add(new DoctorRow("2", $"GET /metrics scrape ({settings.Scrapes}×, mirror off, {bytes / 1024.0:0.0} KiB)", ours, "conntrack -C; conntrack -S", anchor,
            CpuNote(oursCpu, anchorCpu)));
    }

    /// <summary>Starts natgw's conntrack mirror the way the Conntrack page does (the first conntrack query) and waits until it is live with the whole table.</summary>
    public async Task StartMirrorAsync()
    {
        var clock = Stopwatch.StartNew();
        var expected = DoctorBenchLab.SourceNatEntries(lab);
        var deadline = Stopwatch.StartNew();
        var last = "";
        while (deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            var first = await TimedHttp.GetAsync(natgw.Http, "api/v1/conntrack?pageSize=1");
            if (first.Ok)
            {
                var status = await TimedHttp.GetAsync(natgw.Http, "api/v1/conntrack/status", keepBody: true);
                using var document = JsonDocument.Parse(status.Body);
                var state = document.RootElement.GetProperty("state").GetString();
                var entries = document.RootElement.GetProperty("entries").GetInt64();
                last = $"{state}, {entries:N0} entries";
                if (state == "live" && entries >= expected)
                {
                    output.WriteLine();
                    Log($"mirror live with {entries:N0} entries after {clock.Elapsed.TotalSeconds:0.0} s");
                    return;
                }
            }
            else last = $"HTTP {(int)first.Status} {first.Short}";
            await Task.Delay(250); // polling interval
        }
        throw new TimeoutException($"natgw's mirror not live with {expected:N0} entries after 5 min (last: {last})");
    }

    /// <summary>
    /// <c>POST /api/v1/doctor/drops {"seconds": 5}</c> while the client sends the dropped stream: natgw's events (and the
    /// NETFILTER_DROP reason's count) against the packets the gateway's rule dropped during the request, and the agent's
    /// CPU time over the capture (its /proc/PID/stat) as a share of one core, beside the same over an equal window without a capture.
    /// </summary>
    public async Task DropsAsync()
    {
        var seconds = DoctorBenchSettings.DropCaptureSeconds;
        output.WriteLine();
        output.WriteLine($"3. POST /api/v1/doctor/drops {{\"seconds\": {seconds}}} while the client sends {settings.DropPacketsPerSecond:N0} pps to UDP port {DropStream.Port}, dropped in the gateway's forward hook");
        var pid = agent?.ProcessId ?? natgw.ProcessId;
        var who = agent is null ? "natgw serve" : "natgw agent";
        using var stream = new DropStream(lab, settings.DropPacketsPerSecond);
        var wait = Stopwatch.StartNew();
        while (DoctorBenchLab.DroppedByRule(lab) == 0)
        {
            if (wait.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("the gateway's drop rule counted nothing in 60 s");
            await Task.Delay(100); // polling interval
        }

        // The same window without a capture: what the agent spends anyway while the stream runs.
        var idleCpu = HttpMirrorBench.ProcessCpu(pid);
        var idleClock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds)); // a measurement window, not a wait for a state
        var idleShare = (HttpMirrorBench.ProcessCpu(pid) - idleCpu).TotalSeconds / idleClock.Elapsed.TotalSeconds;

        var droppedBefore = DoctorBenchLab.DroppedByRule(lab);
        var sentBefore = stream.Sent;
        var cpuBefore = HttpMirrorBench.ProcessCpu(pid);
        var response = await TimedHttp.PostAsync(natgw.Http, "api/v1/doctor/drops", $$"""{"seconds": {{seconds}}}""", keepBody: true);
        var cpu = HttpMirrorBench.ProcessCpu(pid) - cpuBefore;
        var sent = stream.Sent - sentBefore;
        var dropped = DoctorBenchLab.DroppedByRule(lab) - droppedBefore;
        if (!response.Ok)
        {
            Log($"capture failed: HTTP {(int)response.Status} {response.Short}");
            report.Add(new DoctorRow("3", "POST /api/v1/doctor/drops", null, "", null, $"HTTP {(int)response.Status}: {response.Short.Replace('|', '/')}"));
            return;
        }
        using var document = JsonDocument.Parse(response.Body);
        var root = document.RootElement;
        var events = root.GetProperty("events").GetInt64();
        var duration = root.GetProperty("durationSeconds").GetDouble();
        var truncated = root.GetProperty("truncated").GetBoolean();
        var netfilter = root.GetProperty("byReason").EnumerateArray()
            .Where(r => r.GetProperty("name").GetString()?.Contains("NETFILTER", StringComparison.OrdinalIgnoreCase) == true)
            .Sum(r => r.GetProperty("count").GetInt64());
        var share = cpu.TotalSeconds / (response.Ms / 1000);
        var reasons = string.Join(", ", root.GetProperty("byReason").EnumerateArray().Take(5)
            .Select(r => $"{r.GetProperty("name").GetString()} {r.GetProperty("count").GetInt64():N0}"));
        Log(string.Create(CultureInfo.InvariantCulture,
            $"request {response.Ms:0} ms, capture {duration:0.000} s; {events:N0} events{(truncated ? " (truncated)" : "")} ({reasons}); " +
            $"sent {sent:N0} ({sent / (response.Ms / 1000):N0} pps), dropped by the rule {dropped:N0}; {who} CPU {cpu.TotalMilliseconds:0} ms = {share:P1} of a core " +
            $"(without a capture {idleShare:P1})"));
        var eventsShare = dropped > 0 ? (double)netfilter / dropped : double.NaN;
        report.Add(new DoctorRow("3", $"POST /api/v1/doctor/drops {{\"seconds\": {seconds}}} under {sent / (response.Ms / 1000):N0} pps dropped",
            [response.Ms], "packets dropped by the nft rule", null,
            string.Create(CultureInfo.InvariantCulture,
                $"events {events:N0} (NETFILTER_DROP {netfilter:N0}) vs dropped {dropped:N0} = {eventsShare:P1}{(truncated ? ", truncated" : "")}; sent {sent:N0}; " +
                $"{who} CPU {share:P1} of a core during the capture ({idleShare:P1} without)"),
            OursText: $"{Statistics.Milliseconds(response.Ms)} (capture {duration:0.000} s)"));
    }

    /// <summary>The report's overall status and its problems, from the JSON of the API or the CLI.</summary>
    private static string Summary(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var worst = root.TryGetProperty("worst", out var w) ? w.ToString() : "?";
            if (!root.TryGetProperty("checks", out var checks) || checks.ValueKind != JsonValueKind.Array) return $"worst {worst}";
            // The checks that found something, as id:status.
            var found = checks.EnumerateArray()
                .Where(c => c.TryGetProperty("status", out var s) && s.ToString() is not ("ok" or "Ok" or "notApplicable" or "NotApplicable" or "not-applicable"))
                .Select(c => $"{(c.TryGetProperty("id", out var id) ? id.ToString() : "?")}:{c.GetProperty("status")}");
            return $"worst {worst}, {checks.GetArrayLength()} checks; not ok: {string.Join(", ", found)}";
        }
        catch (JsonException) { return json.Length <= 200 ? json : json[..200]; }
    }

    private static string CpuNote(List<double> ours, List<double> anchor) =>
        string.Create(CultureInfo.InvariantCulture, $"CPU median natgw {Statistics.Median(ours):0} ms vs anchor {Statistics.Median(anchor):0} ms");
}
