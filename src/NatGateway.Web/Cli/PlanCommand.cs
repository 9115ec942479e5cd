using System.CommandLine;
using NatGateway.Capacity.Output;
using NatGateway.Core.Capacity;

namespace NatGateway.Web.Cli;

/// <summary>
/// <c>natgw plan [--entries N | --tcp-rate R --udp-rate R ...] [--budget 512MiB | --budget-share 10%] [--peak F]
/// [--load-factor F] [--output text|json]</c>: sizes nf_conntrack_max and buckets with the memory model of the running
/// kernel, the same model as the Capacity page and /api/v1/capacity/plan. Exit code 2 on bad input.
/// </summary>
public static class PlanCommand
{
    public const int BadInputExitCode = 2;

    // CLI option → parser field (CapacityPlanRequestParser.Fields), and its help text.
    private static readonly (string Option, string Field, string Help)[] ValueOptions =
    [
        ("--entries", "entries", "Expected concurrent conntrack entries"),
        ("--tcp-rate", "tcpRate", "New TCP connections per second (instead of --entries)"),
        ("--udp-rate", "udpRate", "New UDP flows per second"),
        ("--icmp-rate", "icmpRate", "New ICMP flows per second"),
        ("--other-rate", "otherRate", "New flows per second of other protocols (generic timeout)"),
        ("--tcp-duration", "tcpDuration", "Mean TCP connection duration in seconds (default 10)"),
        ("--tcp-unanswered", "tcpUnanswered", "Share of unanswered SYNs, 0-1 or N% (default 0)"),
        ("--udp-stream-fraction", "udpStreamFraction", "Share of UDP flows that become streams, 0-1 or N% (default 0.1)"),
        ("--udp-stream-duration", "udpStreamDuration", "Mean UDP stream duration in seconds (default 30)"),
        ("--budget", "budget", "Memory budget: bytes or 512MiB, 2GiB, 1GB"),
        ("--budget-share", "budgetShare", "Memory budget as a share of RAM: 0.1 or 10%"),
        ("--peak", "peak", "Peak factor over the expected load (default 1)"),
        ("--load-factor", "loadFactor", "Target entries per bucket at a full table (default 1)"),
        ("--extensions", "extensions", "Extensions per entry: 'kernel' (from the sysctls, default), 'none' or e.g. nat,acct"),
        ("--snat-ports", "snatPorts", "Port range of the SNAT rule, e.g. 1024-65535"),
        ("--snat-addresses", "snatAddresses", "Translated addresses (default 1)"),
        ("--snat-flows", "snatFlows", "Concurrent flows wanted towards one destination address+port"),
    ];

    private static readonly (string Option, string Field, string Help)[] FlagOptions =
    [
        ("--masquerade", "masquerade", "Masquerade is in use (adds the NAT extension)"),
        ("--event-listener", "eventListener", "A conntrack event listener runs (adds the ecache extension with nf_conntrack_events=2)"),
    ];

    public static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "text or json",
        DefaultValueFactory = _ => "text",
    };

    public static Command Build()
    {
        var command = new Command("plan", "Size nf_conntrack_max and nf_conntrack_buckets for a load and a memory budget on this kernel");
        var values = ValueOptions.Select(o => (Option: new Option<string?>(o.Option) { Description = o.Help }, o.Field)).ToList();
        var flags = FlagOptions.Select(o => (Option: new Option<bool>(o.Option) { Description = o.Help }, o.Field)).ToList();
        foreach (var (option, _) in values) command.Options.Add(option);
        foreach (var (option, _) in flags) command.Options.Add(option);
        command.Options.Add(Output);
        // Unknown options are bad input too: report them with exit code 2 like bad values, not the parser's 1.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parseResult =>
        {
            if (parseResult.UnmatchedTokens.Count > 0)
            {
                Console.Error.WriteLine($"natgw plan: unknown option or argument '{parseResult.UnmatchedTokens[0]}' (see natgw plan --help)");
                return BadInputExitCode;
            }
            var input = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (option, field) in values)
                if (parseResult.GetValue(option) is { } text) input[field] = text;
            foreach (var (option, field) in flags)
                if (parseResult.GetValue(option)) input[field] = "true";
            return Run(input, parseResult.GetValue(Output) ?? "text", Console.Out, Console.Error);
        });
        return command;
    }

    /// <summary>Plans on this kernel and writes text or JSON; returns the exit code.</summary>
    public static int Run(IReadOnlyDictionary<string, string?> input, string output, TextWriter stdout, TextWriter stderr)
    {
        if (output is not ("text" or "json"))
        {
            stderr.WriteLine($"natgw plan: --output: '{output}' is not text or json");
            return BadInputExitCode;
        }
        var (request, errors) = CapacityPlanRequestParser.Parse(input);
        if (request is null)
        {
            foreach (var (field, messages) in errors)
                stderr.WriteLine($"natgw plan: {OptionName(field)}: {string.Join("; ", messages)}");
            return BadInputExitCode;
        }
        var reader = new KernelCapacityReader(new NatGateway.Core.Kernel.LocalGatewayKernel(new NatGateway.Core.Kernel.ProcSysctl()));
        try
        {
            var plan = CapacityService.Plan(request, reader.ReadFacts());
            stdout.WriteLine(output == "json" ? CapacityPlanJson.Serialize(plan) : CapacityPlanTextRenderer.Render(plan));
            return 0;
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"natgw plan: {e.Message}");
            return BadInputExitCode;
        }
    }

    private static string OptionName(string field) =>
        ValueOptions.Concat(FlagOptions).FirstOrDefault(o => o.Field == field).Option ?? field;
}
