using System.CommandLine;
using System.Text;
using System.Text.Json;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;
using NatGateway.Data;
using NatGateway.Web.Api;

namespace NatGateway.Web.Cli;

/// <summary>
/// <c>natgw trace -p tcp -s 198.51.100.7 -d 192.0.2.1 [--sport N] --dport 80 -i wan0 [-f ipv4] [--live SECONDS]
/// [--output text|json] [--agent SOCKET] [--db PATH]</c>: the static answer for the rules in force (from the database) and,
/// with <c>--live</c>, the kernel's trace of matching packets for that many seconds. Flags as conntrack(8) names them
/// (-p, -s, -d, --sport, --dport, -f). Exit codes: 0 a rule of ours translates the packet, 1 none does (it passes
/// untranslated), 2 the packet is dropped before leaving (no route, forwarding off), 3 the database is unusable,
/// 64 a bad option value, 69 (EX_UNAVAILABLE) the live trace could not run (the static answer is still printed).
/// </summary>
public static class TraceCommand
{
    public const int Translated = 0, Untranslated = 1, Dropped = 2, UsageExitCode = 64, UnavailableExitCode = 69,
        // sysexits.h EX_TEMPFAIL: another live trace is running; retrying later can succeed (EX_UNAVAILABLE above cannot).
        BusyExitCode = 75;

    private static readonly Option<string> Database = new("--db")
    {
        Description = "SQLite database file of the natgw instance (the rules in force)",
        DefaultValueFactory = _ => DatabaseSetup.DefaultPath(),
    };

    public static Command Build()
    {
        var protocol = new Option<string?>("--proto", "-p") { Description = "tcp or udp" };
        var source = new Option<string?>("--src", "-s") { Description = "Source address" };
        var destination = new Option<string?>("--dst", "-d") { Description = "Destination address" };
        var sport = new Option<string?>("--sport") { Description = "Source port (optional: no rule matches on it)" };
        var dport = new Option<string?>("--dport") { Description = "Destination port" };
        var family = new Option<string?>("--family", "-f") { Description = "ipv4 or ipv6 (default: from the addresses)" };
        var iif = new Option<string?>("--in-interface", "-i") { Description = "The interface the packet arrives on" };
        var live = new Option<int?>("--live") { Description = $"Also trace matching packets in the kernel for this many seconds ({PacketTracer.MinLiveSeconds}-{PacketTracer.MaxLiveSeconds})" };
        var output = new Option<string>("--output", "-o") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var agent = new Option<string?>("--agent") { Description = "Reach the kernel through natgw agent at this socket (default: directly)" };
        var command = new Command("trace", "What happens to this packet? Which rule matches first, the translation, the rules skipped and why");
        foreach (var option in new Option[] { protocol, source, destination, sport, dport, family, iif, live, output, agent, Database })
            command.Options.Add(option);
        command.Action = new DatabaseCommandAction("trace", Database, async (services, parse, ct) =>
        {
            await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
            return await RunAsync(services.GetRequiredService<IPacketTracer>(),
                new ProbeFields(parse.GetValue(family), parse.GetValue(protocol), parse.GetValue(source), parse.GetValue(destination),
                    parse.GetValue(sport), parse.GetValue(dport), parse.GetValue(iif)),
                parse.GetValue(live), parse.GetValue(output) ?? "text", stdout, Console.Error, ct);
        }, agent);
        return command;
    }

    /// <summary>The command after option parsing: validates, answers, prints; the exit code.</summary>
    public static async Task<int> RunAsync(IPacketTracer tracer, ProbeFields fields, int? liveSeconds, string format, TextWriter stdout,
        TextWriter stderr, CancellationToken ct = default)
    {
        int Usage(string message)
        {
            stderr.WriteLine($"natgw trace: {message}");
            return UsageExitCode;
        }

        if (format is not ("text" or "json")) return Usage($"--output: '{format}' is not text or json");
        var (probe, errors) = ProbeParser.Parse(fields);
        if (probe is null)
            return Usage(string.Join("; ", ProbeParser.Fields.Where(errors.ContainsKey).Select(f => $"{Flag(f)}: {string.Join(" ", errors[f])}")));
        if (liveSeconds is { } s && (s < PacketTracer.MinLiveSeconds || s > PacketTracer.MaxLiveSeconds))
            return Usage($"--live: {s} is not {PacketTracer.MinLiveSeconds} to {PacketTracer.MaxLiveSeconds} seconds");

        var answer = await tracer.ExplainAsync(probe, ct);
        string? refusal = null;
        var busy = false;
        LiveTrace? trace = null;
        if (liveSeconds is { } window)
        {
            try { trace = await tracer.TraceAsync(probe, TimeSpan.FromSeconds(window), ct); }
            catch (TraceUnavailableException e) { refusal = e.Message; busy = e.Refusal == TraceRefusal.Busy; }
            catch (KernelUnavailableException e) { refusal = e.Reason; }
        }
        var names = answer.Steps.GroupBy(x => x.RuleId).ToDictionary(g => g.Key, g => g.First().RuleName);
        if (format == "json")
            await stdout.WriteLineAsync(JsonSerializer.Serialize(new TraceView.Answer(TraceView.StaticOf(answer),
                trace is null ? null : TraceView.LiveOf(trace, names)), TraceView.Json));
        else
        {
            WriteText(answer, stdout);
            if (trace is not null) WriteLive(TraceView.LiveOf(trace, names), stdout);
        }
        await stdout.FlushAsync(ct);
        if (refusal is not null) stderr.WriteLine($"natgw trace: live trace refused: {refusal}");
        return refusal is null ? ExitCode(answer) : busy ? BusyExitCode : UnavailableExitCode;
    }

    public static int ExitCode(StaticTrace answer) =>
        answer.Delivery is TraceDelivery.NoRoute or TraceDelivery.ForwardingDisabled ? Dropped
        : answer.DestinationRuleId is not null || answer.SourceRuleId is not null ? Translated
        : Untranslated;

    private static string Flag(string field) => field switch
    {
        ProbeParser.Protocol => "-p",
        ProbeParser.Source => "-s",
        ProbeParser.Destination => "-d",
        ProbeParser.SourcePort => "--sport",
        ProbeParser.DestinationPort => "--dport",
        ProbeParser.Family => "-f",
        ProbeParser.InInterface => "-i",
        _ => field,
    };

    public static void WriteText(StaticTrace answer, TextWriter w)
    {
        w.WriteLine($"natgw trace: {TraceView.ProbeText(answer.Probe)}");
        w.WriteLine(answer.Summary);
        foreach (var hook in answer.Steps.GroupBy(s => s.Hook))
        {
            w.WriteLine();
            w.WriteLine(hook.Key.ToString().ToLowerInvariant());
            foreach (var step in hook)
                w.WriteLine($"  {Outcome(step.Outcome),-11} {step.RuleName} ({NatGateway.Nat.NatRuleJson.KindText(step.Kind)}): {step.Reason}");
        }
    }

    public static void WriteLive(TraceView.Live live, TextWriter w)
    {
        w.WriteLine();
        w.WriteLine($"live: {live.Packets.Count} packet(s) in {live.WindowSeconds:0} s{(live.Truncated ? " (stopped at the packet limit: later ones were not collected)" : "")}");
        foreach (var packet in live.Packets)
        {
            w.WriteLine($"  packet {packet.TraceId:x8} in {packet.InInterface ?? "-"} out {packet.OutInterface ?? "-"}");
            foreach (var hop in packet.Hops)
                w.WriteLine($"    {(hop.OurTable ? "ours   " : "foreign")} {hop.Family} {hop.Table} {hop.Chain}: {hop.Verdict.ToString().ToLowerInvariant()}"
                    + (hop.JumpTarget is null ? "" : $" {hop.JumpTarget}") + (hop.RuleName is null ? "" : $" ('{hop.RuleName}')")
                    + (hop.RuleText is null ? "" : $"  {hop.RuleText}"));
        }
    }

    private static string Outcome(RuleStepOutcome outcome) => outcome switch
    {
        RuleStepOutcome.Matched => "MATCHED",
        RuleStepOutcome.NoMatch => "no match",
        RuleStepOutcome.Disabled => "disabled",
        _ => "not reached",
    };
}
