using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// Item 3 end to end (issue 11, item 6): the same page queries as <see cref="MirrorBench"/>, sent to the real natgw
/// (<c>natgw serve</c> in the benchmark's namespace, on a fresh database with an admin API token) as
/// <c>GET /api/v1/conntrack?filter=…&amp;sort=…&amp;page=…&amp;pageSize=…</c>, timed from sending the request to the
/// last byte of the response, over one kept-alive connection. The mirror is the web process's own (in agent mode the
/// agent relays the netlink dump and events to it), started by the first query and waited for through
/// <c>/api/v1/conntrack/status</c>. The caller starts natgw (<see cref="StartNatgwAsync"/>) and keeps it for item 4's
/// API delete, then stops it before item 5 so that its mirror does not follow the burst.
/// </summary>
internal static class HttpMirrorBench
{
    private const double QueryP95TargetMs = 20;
    private const string ListenAddress = "127.0.0.1";
    private const int Port = 5080;
    private const int WarmUpPerShape = 60;

    /// <summary>
    /// natgw serve in the benchmark namespace on a fresh database with an admin token, through the run's agent
    /// (<c>--agent SOCK</c>) unless single-process; null when natgw is not built. Killed on Ctrl-C too.
    /// </summary>
    public static async Task<NatgwProcess?> StartNatgwAsync(BenchContext context, bool? throughAgent = null, int port = Port)
    {
        var settings = context.Settings;
        if (!File.Exists(settings.NatgwPath)) return null;
        var agent = throughAgent ?? context.Agent is not null;
        if (agent && context.Agent is null) throw new InvalidOperationException("no agent in a single-process run");
        var started = Stopwatch.StartNew();
        var natgw = await NatgwProcess.StartInNamespaceAsync(context.Ns, ListenAddress, port, settings.NatgwPath,
            agent ? ["--agent", context.Agent!.Socket] : null);
        context.Guard.Add(() => natgw.KillHardAsync().GetAwaiter().GetResult());
        context.Log($"natgw serve{(agent ? " --agent " + context.Agent!.Socket : " (single-process)")} answering after {started.Elapsed.TotalSeconds:0.0} s " +
                    $"(pid {natgw.ProcessId}, built {File.GetLastWriteTime(settings.NatgwPath):yyyy-MM-dd HH:mm})");
        return natgw;
    }

    public static async Task MeasureAsync(BenchContext context, NatgwProcess? natgw, MirrorQueryFigures inProcess)
    {
        var output = context.Output;
        var settings = context.Settings;
        output.WriteLine();
        output.WriteLine($"3h. the same pages over HTTP from natgw serve {context.ModeText} ({settings.NatgwPath}): {settings.Queries} queries");
        if (natgw is null)
        {
            context.Log($"SKIPPED: {settings.NatgwPath} not built (dotnet build -c Release src/NatGateway.Web)");
            context.Report.Add(new ReportRow("3h", "mirror page query over HTTP", "not measured", "", "", $"≤ {QueryP95TargetMs:0} ms p95", null));
            return;
        }
        var http = natgw.Http;

        var sync = Stopwatch.StartNew();
        await WaitForLiveMirrorAsync(context, http);
        context.Log($"mirror live with {context.KernelCount:N0} entries after {sync.Elapsed.TotalSeconds:0.0} s (first query starts it)");

        var urls = MirrorBench.Shapes.Select(s =>
            $"api/v1/conntrack?filter={Uri.EscapeDataString(s.Filter)}&sort={Uri.EscapeDataString(s.Sort)}&page={s.Page + 1}&pageSize={s.Size}").ToArray();
        // Warm-up (JIT and tiering of the endpoint, serializer and matcher paths in natgw), and the match counts checked
        // against the in-process figures: the same table must give the same answers.
        for (var i = 0; i < urls.Length; i++)
        {
            // Enough calls for the tiered JIT to promote the whole path (30 calls, then a background recompile).
            for (var w = 0; w < WarmUpPerShape; w++) await GetAsync(http, urls[i]);
            using var document = JsonDocument.Parse(await http.GetStringAsync(urls[i]));
            var total = document.RootElement.GetProperty("totalMatching").GetInt32();
            if (total != inProcess.Matches[i]) context.Log($"WARNING: '{MirrorBench.Shapes[i].Filter}' matched {total:N0} over HTTP, {inProcess.Matches[i]:N0} in process");
        }

        // The fixed cost of a request (TCP round trip, Kestrel, authentication, routing, a tiny JSON body).
        var floor = new List<double>();
        for (var i = 0; i < 100; i++) floor.Add((await GetAsync(http, "api/v1/conntrack/status")).Ms);

        // Warm means settled: after start-up and the warm-up queries the runtime recompiles hot methods (tiered JIT) in
        // the background for a while, which a gateway that has been up for minutes no longer does. Wait for natgw to go quiet.
        var settle = Stopwatch.StartNew();
        var quiet = await WaitUntilQuietAsync(natgw.ProcessId, TimeSpan.FromSeconds(120));
        context.Log($"natgw {(quiet ? "quiet" : "still busy (measuring anyway)")} after {settle.Elapsed.TotalSeconds:0.0} s (under 5% of a core over 1 s)");

        // natgw's own background work (stats sampler, mirror upkeep) while nobody asks: shown, and left out of the per-query CPU.
        var idleClock = Stopwatch.StartNew();
        var idleBefore = ProcessCpu(natgw.ProcessId);
        await Task.Delay(TimeSpan.FromSeconds(3)); // a measurement window, not a wait for a state
        var idlePerSecond = (ProcessCpu(natgw.ProcessId) - idleBefore).TotalMilliseconds / idleClock.Elapsed.TotalSeconds;

        var perShape = urls.Select(_ => new List<double>()).ToArray();
        var all = new List<double>(settings.Queries);
        var bytes = new List<long>(settings.Queries);
        var cpuBefore = ProcessCpu(natgw.ProcessId);
        var loop = Stopwatch.StartNew();
        for (var q = 0; q < settings.Queries; q++)
        {
            var index = q % urls.Length;
            var (ms, length) = await GetAsync(http, urls[index]);
            perShape[index].Add(ms);
            all.Add(ms);
            bytes.Add(length);
        }
        var loopTime = loop.Elapsed;
        var idleAfterBefore = ProcessCpu(natgw.ProcessId);
        var idleAfterClock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3)); // a measurement window
        var idleAfter = (ProcessCpu(natgw.ProcessId) - idleAfterBefore).TotalMilliseconds / idleAfterClock.Elapsed.TotalSeconds;
        context.Log(string.Create(CultureInfo.InvariantCulture, $"natgw idle CPU: {idlePerSecond:0} ms/s before the queries, {idleAfter:0} ms/s after"));
        var serverCpuPerQuery = Math.Max(0, (ProcessCpu(natgw.ProcessId) - cpuBefore).TotalMilliseconds - idlePerSecond * loopTime.TotalSeconds) / settings.Queries;
        for (var i = 0; i < urls.Length; i++)
        {
            var s = MirrorBench.Shapes[i];
            context.Log(string.Create(CultureInfo.InvariantCulture,
                $"{s.Filter,-40} sort {s.Sort,-16} page {s.Page,2}×{s.Size,-3}  p50 {Statistics.Median(perShape[i]):0.00} ms  p95 {Statistics.Percentile(perShape[i], 95):0.00} ms"));
        }
        var p50 = Statistics.Median(all);
        var p95 = Statistics.Percentile(all, 95);
        context.Log(string.Create(CultureInfo.InvariantCulture,
            $"all shapes over HTTP: p50 {p50:0.00} ms p95 {p95:0.00} ms max {all.Max():0.00} ms; in process p50 {inProcess.P50:0.00} ms p95 {inProcess.P95:0.00} ms; " +
            $"response {Statistics.Median(bytes.Select(b => (double)b)) / 1024:0.0} KiB median; natgw CPU {serverCpuPerQuery:0.00} ms/query beyond its idle {idlePerSecond:0} ms/s; {settings.Queries / loopTime.TotalSeconds:0} queries/s"));
        context.Log(string.Create(CultureInfo.InvariantCulture,
            $"request floor (GET /api/v1/conntrack/status, 100×): p50 {Statistics.Median(floor):0.00} ms p95 {Statistics.Percentile(floor, 95):0.00} ms"));

        context.Report.Add(new ReportRow("3h", $"mirror page query over HTTP p95, natgw serve {context.ModeText} ({settings.Queries} queries, end to end)",
            $"p95 {Statistics.Milliseconds(p95)}, p50 {Statistics.Milliseconds(p50)}, max {Statistics.Milliseconds(all.Max())}",
            $"conntrack -L -s {Statistics.Seconds(inProcess.AnchorMs / 1000)}", Statistics.Ratio(p95 / inProcess.AnchorMs),
            $"≤ {QueryP95TargetMs:0} ms p95", p95 <= QueryP95TargetMs,
            string.Create(CultureInfo.InvariantCulture, $"{Statistics.Ratio(serverCpuPerQuery / inProcess.AnchorCpuMs)} (natgw {serverCpuPerQuery:0.0} ms / {inProcess.AnchorCpuMs:0} ms)")));
        context.Report.Add(new ReportRow("3i", "HTTP p95 / in-process p95 (item 3)",
            $"{Statistics.Milliseconds(p95)} / {Statistics.Milliseconds(inProcess.P95)}", "in process", Statistics.Ratio(p95 / inProcess.P95), "(diagnostic)", null));
        context.Report.Add(new ReportRow("3j", "HTTP request floor (GET /conntrack/status)",
            $"p95 {Statistics.Milliseconds(Statistics.Percentile(floor, 95))}, p50 {Statistics.Milliseconds(Statistics.Median(floor))}", "", "", "(diagnostic)", null));
    }

    /// <summary>Sends the first query (which starts the mirror) until it is answered, then polls the status until the mirror is live with the whole table.</summary>
    private static async Task WaitForLiveMirrorAsync(BenchContext context, HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        var expected = context.KernelCount;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            using (var first = await http.GetAsync("api/v1/conntrack?pageSize=1"))
                if (first.StatusCode == HttpStatusCode.OK)
                {
                    using var status = JsonDocument.Parse(await http.GetStringAsync("api/v1/conntrack/status"));
                    var state = status.RootElement.GetProperty("state").GetString();
                    var entries = status.RootElement.GetProperty("entries").GetInt64();
                    last = $"{state}, {entries:N0} entries";
                    if (state == "live" && entries == expected) return;
                }
                else last = $"HTTP {(int)first.StatusCode}";
            await Task.Delay(250); // polling interval
        }
        throw new TimeoutException($"natgw's mirror not live with {expected:N0} entries after 5 min (last: {last})");
    }

    /// <summary>One GET, timed from sending to the last byte read; fails on anything but 200.</summary>
    private static async Task<(double Ms, long Bytes)> GetAsync(HttpClient http, string url)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        var ms = clock.Elapsed.TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {url}: HTTP {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
        return (ms, body.LongLength);
    }

    /// <summary>Polls natgw's CPU use over 1 s windows until it is under 5% of a core (true) or the deadline passes (false).</summary>
    private static async Task<bool> WaitUntilQuietAsync(int pid, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < deadline)
        {
            var before = ProcessCpu(pid);
            var window = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(1)); // a measurement window
            if ((ProcessCpu(pid) - before).TotalMilliseconds < 0.05 * window.Elapsed.TotalMilliseconds) return true;
        }
        return false;
    }

    /// <summary>User + system CPU time of a process so far (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s).</summary>
    internal static TimeSpan ProcessCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}
