using System.Text.Json;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// The built natgw's <c>conntrack</c> verbs run with <c>ip netns exec</c> in a lab gateway whose table holds real forwarded
/// flows and ctnetlink-made UDP entries; every answer is checked against conntrack(8) on the same table.
/// </summary>
public sealed class ConntrackCliKernelTests
{
    private static CommandResult Natgw(NamespaceLab lab, params string[] args) =>
        lab.ExecWithTimeout(lab.Gateway, TimeSpan.FromSeconds(180), "dotnet", [RepositoryPaths.NatgwDll, "conntrack", .. args]);

    [KernelFact]
    public void List_count_and_delete_with_conntrack_filters_agree_with_conntrack8()
    {
        using var lab = NamespaceLab.Create();
        ConntrackLabFlows.Create(lab);

        // The same filters give the same entries as conntrack -L (CIDR and port, and a TCP state).
        var tcp = Natgw(lab, "list", "-p", "tcp", "-s", "10.77.1.0/24", "--dport", "80");
        Assert.Equal(0, tcp.ExitCode);
        var tcpLines = tcp.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ConntrackLabFlows.List(lab, "-p", "tcp", "--dport", "80").Length, tcpLines.Length);
        Assert.Equal(3, tcpLines.Length);
        Assert.All(tcpLines, l => Assert.Matches(@"^ipv4 +2 tcp +6 \d+ \w+ src=10\.77\.1\.2 dst=10\.77\.2\.2 sport=\d+ dport=80 ", l));

        var udp = Natgw(lab, "list", "--filter", "proto udp and dport 53", "--sort", "src:desc");
        Assert.Equal(0, udp.ExitCode);
        var udpSources = udp.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"src=(\S+)").Groups[1].Value).ToList();
        Assert.Equal(ConntrackLabFlows.UdpSources.Reverse(), udpSources);

        Assert.Equal(ConntrackLabFlows.Count(lab).ToString(), Natgw(lab, "count").StandardOutput.Trim());
        Assert.Equal("5", Natgw(lab, "count", "-p", "udp", "--dport", "53").StandardOutput.Trim());
        Assert.Equal("1", Natgw(lab, "count", "--filter", "proto icmp").StandardOutput.Trim());

        // delete removes exactly the matches and says how many.
        var before = ConntrackLabFlows.Count(lab);
        var deleted = Natgw(lab, "delete", "-p", "udp", "-s", "10.77.1.50/31");
        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal("2 flow entries have been deleted.", deleted.StandardOutput.Trim());
        Assert.Equal(before - 2, ConntrackLabFlows.Count(lab));
        Assert.Empty(ConntrackLabFlows.List(lab, "-s", "10.77.1.50"));
        Assert.Empty(ConntrackLabFlows.List(lab, "-s", "10.77.1.51"));
        Assert.Single(ConntrackLabFlows.List(lab, "-s", "10.77.1.52"));
        Assert.Equal(3, ConntrackLabFlows.List(lab, "-p", "tcp", "--dport", "80").Length);

        var flushed = Natgw(lab, "flush", "--filter", "proto tcp");
        Assert.Equal(0, flushed.ExitCode);
        Assert.Equal("3 flow entries have been deleted.", flushed.StandardOutput.Trim());
        Assert.Empty(ConntrackLabFlows.List(lab, "-p", "tcp"));
    }

    [KernelFact]
    public void Bad_filters_exit_2_with_a_clear_message_and_delete_nothing()
    {
        using var lab = NamespaceLab.Create();
        ConntrackLabFlows.Create(lab, tcpConnections: 1);
        var before = ConntrackLabFlows.Count(lab);

        foreach (var (args, message) in new (string[] Args, string Message)[]
                 {
                     (["delete", "-s", "10.77.1.999"], "--src"),
                     (["delete", "--filter", "proto udp and dport"], "column"),
                     (["delete", "--bogus", "1"], "unknown option '--bogus'"),
                     (["delete"], "--all"),
                     (["flush"], "--all"),
                     (["list", "--sort", "nope"], "unknown sort column 'nope'"),
                     (["list", "-o", "xml"], "--output"),
                 })
        {
            var result = Natgw(lab, args);
            Assert.True(result.ExitCode == 2, $"natgw conntrack {string.Join(' ', args)}: exit {result.ExitCode}, stderr {result.StandardError}");
            Assert.Contains(message, result.StandardError);
            Assert.Equal("", result.StandardOutput);
        }
        Assert.Equal(before, ConntrackLabFlows.Count(lab));
    }

    [KernelFact]
    public void Json_and_csv_carry_both_tuples_status_and_the_same_rows_as_text()
    {
        using var lab = NamespaceLab.Create();
        ConntrackLabFlows.Create(lab, tcpConnections: 1);

        var json = Natgw(lab, "list", "-p", "udp", "--dport", "53", "--sort", "src", "-o", "json");
        Assert.Equal(0, json.ExitCode);
        var rows = JsonDocument.Parse(json.StandardOutput).RootElement;
        Assert.Equal(JsonValueKind.Array, rows.ValueKind);
        Assert.Equal(5, rows.GetArrayLength());
        var first = rows[0];
        Assert.Equal("ipv4", first.GetProperty("family").GetString());
        Assert.Equal("udp", first.GetProperty("proto").GetString());
        Assert.Equal("10.77.1.50", first.GetProperty("original").GetProperty("src").GetString());
        Assert.Equal(53, first.GetProperty("original").GetProperty("dport").GetInt32());
        Assert.Equal("10.77.2.2", first.GetProperty("reply").GetProperty("src").GetString());
        Assert.Equal(40000, first.GetProperty("reply").GetProperty("dport").GetInt32());
        Assert.Contains("CONFIRMED", first.GetProperty("status").EnumerateArray().Select(s => s.GetString()));
        Assert.True(first.GetProperty("id").GetUInt32() > 0);

        var empty = Natgw(lab, "list", "-p", "udp", "--dport", "54", "-o", "json");
        Assert.Equal(0, JsonDocument.Parse(empty.StandardOutput).RootElement.GetArrayLength());

        var csv = Natgw(lab, "list", "-p", "udp", "--dport", "53", "--sort", "src", "-o", "csv");
        Assert.Equal(0, csv.ExitCode);
        var lines = csv.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,family,proto,state,timeout,src,dst,sport,dport,reply_src,reply_dst,reply_sport,reply_dport,status,mark,zone,packets,bytes", lines[0]);
        Assert.Equal(6, lines.Length);
        var cells = lines[1].Split(',');
        Assert.Equal(18, cells.Length);
        Assert.Equal(["ipv4", "udp", "10.77.1.50", "10.77.2.2", "40000", "53"], new[] { cells[1], cells[2], cells[5], cells[6], cells[7], cells[8] });

        var stats = JsonDocument.Parse(Natgw(lab, "stats", "-o", "json").StandardOutput).RootElement;
        Assert.Equal(ConntrackLabFlows.Count(lab), stats.GetProperty("entries").GetInt32());
        Assert.Equal(Environment.ProcessorCount, stats.GetProperty("perCpu").GetArrayLength());
    }

    [KernelFact]
    public async Task Watch_streams_matching_events_until_stopped()
    {
        using var lab = NamespaceLab.Create();
        var watch = lab.Start(lab.Gateway, "dotnet", [RepositoryPaths.NatgwDll, "conntrack", "watch", "-p", "udp", "--dport", "53"]);
        var lines = new List<string>();
        var sawNew = new TaskCompletionSource();
        var sawDestroy = new TaskCompletionSource();
        watch.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (lines) lines.Add(e.Data);
            if (e.Data.Contains("[NEW]") && e.Data.Contains("src=10.77.1.60")) sawNew.TrySetResult();
            if (e.Data.Contains("[DESTROY]") && e.Data.Contains("src=10.77.1.60")) sawDestroy.TrySetResult();
        };
        var errors = new System.Text.StringBuilder();
        watch.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        watch.BeginOutputReadLine();
        watch.BeginErrorReadLine();

        // The listener subscribes after process start: keep inserting fresh entries until one is seen.
        // Deadline, not a count: under load the watch process (a cold dotnet start) can take long to subscribe.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        for (var i = 0; DateTime.UtcNow < deadline && !sawNew.Task.IsCompleted; i++)
        {
            lab.Exec(lab.Gateway, "conntrack", "-I", "-p", "udp", "-s", "10.77.1.60", "-d", NamespaceLab.ServerAddress,
                "--sport", (42000 + i).ToString(), "--dport", "53", "-t", "60");
            lab.Exec(lab.Gateway, "conntrack", "-I", "-p", "udp", "-s", "10.77.1.61", "-d", NamespaceLab.ServerAddress,
                "--sport", (42000 + i).ToString(), "--dport", "54", "-t", "60");
            await Task.WhenAny(sawNew.Task, Task.Delay(100));
        }
        Assert.True(sawNew.Task.IsCompleted, "watch printed no NEW event: " + string.Join('\n', lines));
        lab.Exec(lab.Gateway, "conntrack", "-D", "-s", "10.77.1.60").EnsureSuccess("conntrack -D");
        await sawDestroy.Task.WaitAsync(TimeSpan.FromSeconds(60));

        lock (lines)
        {
            Assert.DoesNotContain(lines, l => l.Contains("dport=54"));   // filtered out
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*\[NEW\] ipv4 +2 udp +17 \d+ src=10\.77\.1\.60 dst=10\.77\.2\.2 sport=\d+ dport=53 "));
        }
        // SIGTERM (like Ctrl-C's SIGINT) ends the watch cleanly with conntrack -E's summary line.
        ProcessRunner.Run("kill", "-TERM", watch.Id.ToString()).EnsureSuccess("kill -TERM");
        await watch.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, watch.ExitCode);
        lock (errors) Assert.Matches(@"natgw conntrack: [1-9]\d* flow events have been shown\.", errors.ToString());
    }
}
