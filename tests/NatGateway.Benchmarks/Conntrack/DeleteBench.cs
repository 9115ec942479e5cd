using System.Globalization;
using System.Net;
using System.Text.Json;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// Item 4: delete the hot set (every entry from <see cref="BenchFlows.HotSource"/>) out of the full table. Ours is
/// what <c>natgw conntrack delete</c> and the API run: the filter text parsed, its kernel-side part (CTA_FILTER on the
/// original source) pushed into the dump, the predicate re-checked, the matches deleted in batched requests. In agent
/// mode that is <c>AgentGatewayKernel.Conntrack.Delete</c> with the same filter (the agent does the dump and the deletes);
/// single-process, <c>ConntrackClient.DeleteWhere</c> in this process. Beside it (4h) what a user waits for:
/// <c>DELETE /api/v1/conntrack?filter=…</c> on natgw serve (through the agent in agent mode), whose live mirror also
/// forgets the deleted entries. The anchor is <c>conntrack -D -s ADDR</c>. The hot set is recreated after each delete
/// (and natgw's mirror waited for), so every delete starts from the same full table; the order rotates each round.
/// </summary>
internal static class DeleteBench
{
    private const double TargetSeconds = 1.5;

    public static async Task MeasureAsync(BenchContext context, NatgwProcess? web)
    {
        var output = context.Output;
        var settings = context.Settings;
        output.WriteLine();
        output.WriteLine($"4. delete {settings.HotEntries:N0} of {settings.Entries:N0} by filter (src {BenchFlows.HotSource}) {context.ModeText}, {settings.Rounds} rounds, order rotating");
        var filterText = $"src {BenchFlows.HotSource}";
        var oursName = context.Agent is null ? "DeleteWhere" : "agent Delete";
        var contenders = new List<(string Name, Func<Task<Sample>> Run)>
        {
            (oursName, () => Task.FromResult(context.Agent is { } a ? a.WithAgentCpu(() => DeleteOurs(context, filterText)) : DeleteOurs(context, filterText))),
            ("conntrack -D -s", () => Task.FromResult(DeleteWithConntrack(context))),
        };
        if (web is not null) contenders.Add(("API DELETE", () => DeleteOverHttpAsync(context, web, filterText)));
        var samples = contenders.ToDictionary(c => c.Name, _ => new List<Sample>());
        for (var round = 0; round < settings.Rounds; round++)
        {
            var shift = round % contenders.Count;
            foreach (var (name, run) in contenders.Skip(shift).Concat(contenders.Take(shift)))
            {
                var sample = await run();
                samples[name].Add(sample);
                context.Log(string.Create(CultureInfo.InvariantCulture,
                    $"round {round + 1}: {name} {sample.Wall.TotalSeconds:0.000} s, CPU {sample.Cpu.TotalSeconds:0.000} s (load {Statistics.LoadAverage()})"));
                Refill(context);
                if (web is not null) await WaitForMirrorAsync(context, web);
            }
        }
        var anchor = samples["conntrack -D -s"];
        var anchorMedian = Statistics.MedianWall(anchor);
        var ours = samples[oursName];
        var oursMedian = Statistics.MedianWall(ours);
        context.Report.Add(new ReportRow("4", context.Agent is null
                ? $"delete {settings.HotEntries:N0} of {settings.Entries:N0} by filter (DeleteWhere + pushdown, in process)"
                : $"delete {settings.HotEntries:N0} of {settings.Entries:N0} by filter through the agent (Conntrack.Delete)",
            Statistics.Spread(ours), "conntrack -D -s " + Statistics.Spread(anchor), Statistics.Ratio(oursMedian / anchorMedian),
            $"≤ {TargetSeconds} s", oursMedian <= TargetSeconds, Statistics.CpuRatio(ours, anchor)));
        if (web is not null)
        {
            var api = samples["API DELETE"];
            var apiMedian = Statistics.MedianWall(api);
            context.Report.Add(new ReportRow("4h", $"delete {settings.HotEntries:N0} by filter: DELETE /api/v1/conntrack, natgw serve {context.ModeText}",
                Statistics.Spread(api), "conntrack -D -s", Statistics.Ratio(apiMedian / anchorMedian),
                $"≤ {TargetSeconds} s", apiMedian <= TargetSeconds, Statistics.CpuRatio(api, anchor)));
        }
        context.Log(context.Agent is null
            ? "CPU: 4 this process, 4h natgw serve's during the request"
            : "CPU: 4 this process's and the agent's together, 4h natgw serve's and the agent's during the request");
    }

    private static Sample DeleteOurs(BenchContext context, string filterText)
    {
        var removed = 0;
        var sample = Sample.Measure(() =>
        {
            var filter = FlowFilter.Parse(filterText);
            var request = filter.KernelFilter;
            removed = context.Agent is { } agent
                ? agent.Kernel.Conntrack.Delete(request.Family, request.Filter, filter)
                : context.Client.DeleteWhere(request.Filter, filter.ToPredicate(), request.Family);
        });
        if (removed != context.Settings.HotEntries) context.Log($"WARNING: expected {context.Settings.HotEntries:N0} removed, {removed:N0} were");
        return sample;
    }

    private static async Task<Sample> DeleteOverHttpAsync(BenchContext context, NatgwProcess web, string filterText)
    {
        var cpuBefore = HttpMirrorBench.ProcessCpu(web.ProcessId) + (context.Agent?.Cpu ?? TimeSpan.Zero);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await web.Http.DeleteAsync($"api/v1/conntrack?filter={Uri.EscapeDataString(filterText)}");
        var body = await response.Content.ReadAsStringAsync();
        var elapsed = clock.Elapsed;
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"DELETE /api/v1/conntrack: HTTP {(int)response.StatusCode} {body}");
        var removed = JsonDocument.Parse(body).RootElement.GetProperty("deleted").GetInt32();
        if (removed != context.Settings.HotEntries) context.Log($"WARNING: expected {context.Settings.HotEntries:N0} removed, the API says {removed:N0}");
        // natgw's CPU (and the agent's) meanwhile; natgw's mirror upkeep of the DESTROY events counts too, as a user pays for it.
        return new Sample(elapsed, HttpMirrorBench.ProcessCpu(web.ProcessId) + (context.Agent?.Cpu ?? TimeSpan.Zero) - cpuBefore);
    }

    private static Sample DeleteWithConntrack(BenchContext context)
    {
        var result = TimedCommand.RunChecked(context.Ns, $"conntrack -D -s {BenchFlows.HotSource}");
        var removed = ListingBench.ShownCount(result.StandardError);
        if (removed != context.Settings.HotEntries) context.Log($"WARNING: expected {context.Settings.HotEntries:N0} removed, conntrack -D says {removed:N0}");
        return Sample.Of(result);
    }

    private static void Refill(BenchContext context)
    {
        var result = context.Client.CreateMany(BenchFlows.Hot(context.Settings.HotEntries));
        if (result.Failed != 0) throw new InvalidOperationException("refilling the hot set: " + result);
        var count = context.KernelCount;
        if (count != context.Settings.Entries) throw new InvalidOperationException($"table holds {count:N0} entries after the refill, expected {context.Settings.Entries:N0}");
    }

    /// <summary>Polls natgw's mirror status until it is live with the whole table again (its events caught up), 2 min deadline.</summary>
    private static async Task WaitForMirrorAsync(BenchContext context, NatgwProcess web)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        var expected = context.KernelCount;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            using var status = JsonDocument.Parse(await web.Http.GetStringAsync("api/v1/conntrack/status"));
            var state = status.RootElement.GetProperty("state").GetString();
            var entries = status.RootElement.GetProperty("entries").GetInt64();
            if (state == "live" && entries == expected) return;
            last = $"{state}, {entries:N0}";
            await Task.Delay(100); // polling interval
        }
        context.Log($"WARNING: natgw's mirror not back to {expected:N0} entries within 2 min (last: {last}); measuring on");
    }
}
