using System.CommandLine;
using System.Text;
using System.Text.Json;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Conntrack;
using NatGateway.Core.Kernel;
using NatGateway.Netlink;

namespace NatGateway.Web.Cli;

/// <summary>
/// <c>natgw conntrack list | count | stats | delete | flush | watch</c>: the conntrack table of the namespace natgw runs in,
/// with conntrack(8)'s filter options (<c>-p -s -d -r -q --sport --dport --state --status --mark --zone -f</c>, CIDRs
/// accepted) and <c>--filter EXPR</c> in the language the API and the page share. Runs without the web host.
/// Exit codes: 0 done, 1 the kernel refused (e.g. not root), 2 bad input (nothing is changed).
/// </summary>
public static class ConntrackCommand
{
    public const int BadInputExitCode = 2;
    public const int KernelErrorExitCode = 1;

    private const string FilterHelp =
        "Filters (conntrack(8) style, and-ed): -f/--family ipv4|ipv6, -p/--proto P, -s/--src A[/LEN], -d/--dst A[/LEN], " +
        "-r/--reply-src A[/LEN], -q/--reply-dst A[/LEN], --sport P[-P], --dport P[-P], --reply-port-src, --reply-port-dst, " +
        "--state S[,S], --status S[,S], -m/--mark V[/MASK], -w/--zone N, --filter EXPR (see --help-filter).";

    public static Command Build()
    {
        var command = new Command("conntrack", "List, count, delete and watch conntrack entries of this network namespace (like conntrack(8))");
        command.Subcommands.Add(Verb("list", "List entries, one line each like conntrack -L -o extended (or json/csv)", sort: true, output: true, all: false));
        command.Subcommands.Add(Verb("count", "Count matching entries (conntrack -C; with filters, a filtered count)", sort: false, output: false, all: false));
        command.Subcommands.Add(StatsVerb());
        command.Subcommands.Add(Verb("delete", "Delete matching entries (conntrack -D) and print how many were removed; an empty filter needs --all", sort: false, output: true, all: true));
        command.Subcommands.Add(Verb("flush", "Flush the table (conntrack -F) only with --all, or the matching entries; prints how many were removed", sort: false, output: true, all: true));
        command.Subcommands.Add(WatchVerb());
        var helpFilter = new Command("filter-help", "Print the filter and sort syntax");
        helpFilter.SetAction(_ => { Console.Out.WriteLine(FilterSyntax.Help); return 0; });
        command.Subcommands.Add(helpFilter);
        return command;
    }

    /// <summary><c>--agent PATH</c>: go through <c>natgw agent</c> instead of this process's own ctnetlink sockets.</summary>
    private static Option<string?> AgentOption() => new("--agent") { Description = "Reach the kernel through natgw agent at this socket (default: directly)" };

    private static IGatewayKernel OpenKernel(string? agent) =>
        agent is null ? new LocalGatewayKernel(new ProcSysctl()) : new NatGateway.Agent.Client.AgentGatewayKernel(agent);

    private static Option<string> OutputOption() => new("--output", "-o") { Description = "text, json or csv", DefaultValueFactory = _ => "text" };

    private static Command Verb(string name, string description, bool sort, bool output, bool all)
    {
        var command = new Command(name, description + ". " + FilterHelp) { TreatUnmatchedTokensAsErrors = false };
        var sortOption = new Option<string?>("--sort") { Description = "column[:asc|desc][,column...], e.g. bytes:desc,src" };
        var outputOption = OutputOption();
        var allOption = new Option<bool>("--all") { Description = "Allow an empty filter to remove every entry" };
        var agentOption = AgentOption();
        command.Options.Add(agentOption);
        if (sort) command.Options.Add(sortOption);
        if (output) command.Options.Add(outputOption);
        if (all) command.Options.Add(allOption);
        command.SetAction(parseResult =>
        {
            var request = new ConntrackCliRequest(name, parseResult.UnmatchedTokens.ToList(),
                sort ? parseResult.GetValue(sortOption) : null,
                output ? parseResult.GetValue(outputOption) ?? "text" : "text",
                all && parseResult.GetValue(allOption));
            var agent = parseResult.GetValue(agentOption);
            return Run(request, () => OpenService(agent), Console.Error);
        });
        return command;
    }

    private static Command StatsVerb()
    {
        var command = new Command("stats", "Entries, max and per-CPU counters (conntrack -C; conntrack -S)");
        var outputOption = OutputOption();
        var agentOption = AgentOption();
        command.Options.Add(outputOption);
        command.Options.Add(agentOption);
        command.SetAction(parseResult => Run(new ConntrackCliRequest("stats", [], null, parseResult.GetValue(outputOption) ?? "text", false),
            () => OpenService(parseResult.GetValue(agentOption)), Console.Error));
        return command;
    }

    private static Command WatchVerb()
    {
        var command = new Command("watch", "Print events as they happen until Ctrl-C (conntrack -E). " + FilterHelp) { TreatUnmatchedTokensAsErrors = false };
        var outputOption = OutputOption();
        var eventsOption = new Option<string>("--event", "-e") { Description = "new,update,destroy (default: all)", DefaultValueFactory = _ => "new,update,destroy" };
        command.Options.Add(outputOption);
        command.Options.Add(eventsOption);
        var agentOption = AgentOption();
        command.Options.Add(agentOption);
        command.SetAction(async (parseResult, cancellationToken) =>
            await WatchAsync(parseResult.UnmatchedTokens.ToList(), parseResult.GetValue(outputOption) ?? "text",
                parseResult.GetValue(eventsOption) ?? "", cancellationToken, parseResult.GetValue(agentOption)).ConfigureAwait(false));
        return command;
    }

    private static ConntrackService OpenService(string? agent) => new(OpenKernel(agent));

    /// <summary>Runs one verb; returns the exit code. Output goes to a buffered stdout.</summary>
    public static int Run(ConntrackCliRequest request, Func<ConntrackService> openService, TextWriter stderr)
    {
        var verb = request.Verb;
        if (request.Output is not ("text" or "json" or "csv"))
            return BadInput(stderr, verb, $"--output: '{request.Output}' is not text, json or csv");
        FlowFilter filter;
        SortSpec sort;
        try
        {
            filter = ConntrackOptions.ParseArguments(request.FilterArguments).ToFilter();
            sort = SortSpec.Parse(request.Sort);
        }
        catch (FilterParseException e)
        {
            return BadInput(stderr, verb, e.Message);
        }
        if (verb is "delete" or "flush" && filter.IsAll && !request.All)
            return BadInput(stderr, verb, $"refusing to {verb} every entry without a filter; give a filter or --all");

        using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
        try
        {
            var service = openService();
            switch (verb)
            {
                case "list":
                    var shown = List(service, filter, sort, request.Output, stdout);
                    stdout.Flush();
                    stderr.WriteLine($"natgw conntrack: {shown} flow entries have been shown.");
                    break;
                case "count":
                    stdout.WriteLine(service.Count(filter));
                    break;
                case "stats":
                    WriteStats(service.Stats(), request.Output, stdout);
                    break;
                case "delete":
                case "flush":
                    var removed = verb == "delete" ? service.Delete(filter, request.All) : service.Flush(filter, request.All);
                    if (request.Output == "json") stdout.WriteLine($$"""{"deleted":{{removed}}}""");
                    else if (request.Output == "csv") stdout.WriteLine($"deleted\n{removed}");
                    else stdout.WriteLine($"{removed} flow entries have been deleted.");
                    break;
            }
            return 0;
        }
        catch (DumpInterruptedException)
        {
            stdout.Flush();
            stderr.WriteLine($"natgw conntrack {verb}: the kernel reported the dump interrupted by concurrent changes; run it again");
            return KernelErrorExitCode;
        }
        catch (NetlinkException e)
        {
            stdout.Flush();
            stderr.WriteLine($"natgw conntrack {verb}: {e.Message}");
            return KernelErrorExitCode;
        }
        catch (KernelUnavailableException e)
        {
            stdout.Flush();
            stderr.WriteLine($"natgw conntrack {verb}: {e.Message}");
            return KernelErrorExitCode;
        }
    }

    private static int BadInput(TextWriter stderr, string verb, string message)
    {
        stderr.WriteLine($"natgw conntrack {verb}: {message}");
        stderr.WriteLine("see 'natgw conntrack filter-help' for the filter syntax");
        return BadInputExitCode;
    }

    /// <summary>Streams straight from the dump to the writer when no sort is asked (no per-row allocation for text).</summary>
    private static long List(ConntrackService service, FlowFilter filter, SortSpec sort, string output, StreamWriter stdout)
    {
        var sink = FlowSink.Create(output, stdout);
        long count;
        if (sort.Keys.Count == 0)
        {
            count = service.Stream(filter, sink.Write);
        }
        else
        {
            var rows = service.List(filter, sort);
            foreach (var flow in rows) sink.Write(in flow);
            count = rows.Count;
        }
        sink.Finish();
        return count;
    }

    private static void WriteStats(ConntrackStatsReport report, string output, TextWriter stdout)
    {
        if (output == "json")
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                entries = report.Table.Entries,
                max = report.Table.MaxEntries,
                perCpu = report.PerCpu,
                total = report.Total,
            }, JsonOptions));
            return;
        }
        if (output == "csv")
        {
            stdout.WriteLine("cpu,found,invalid,insert,insert_failed,drop,early_drop,error,search_restart,clash_resolve,chaintoolong");
            foreach (var c in report.PerCpu)
                stdout.WriteLine($"{c.Cpu},{c.Found},{c.Invalid},{c.Insert},{c.InsertFailed},{c.Drop},{c.EarlyDrop},{c.Error},{c.SearchRestart},{c.ClashResolve},{c.ChainTooLong}");
            return;
        }
        stdout.WriteLine($"entries={report.Table.Entries} max={(report.Table.MaxEntries?.ToString() ?? "?")}");
        foreach (var c in report.PerCpu)
            stdout.WriteLine($"cpu={c.Cpu,-4}\tfound={c.Found} invalid={c.Invalid} insert={c.Insert} insert_failed={c.InsertFailed} drop={c.Drop} " +
                             $"early_drop={c.EarlyDrop} error={c.Error} search_restart={c.SearchRestart} clash_resolve={c.ClashResolve} chaintoolong={c.ChainTooLong}");
    }

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static async Task<int> WatchAsync(IReadOnlyList<string> filterArguments, string output, string events, CancellationToken cancellationToken, string? agent = null)
    {
        var stderr = Console.Error;
        if (output is not ("text" or "json" or "csv")) return BadInput(stderr, "watch", $"--output: '{output}' is not text, json or csv");
        FlowFilter filter;
        try
        {
            filter = ConntrackOptions.ParseArguments(filterArguments).ToFilter();
        }
        catch (FilterParseException e)
        {
            return BadInput(stderr, "watch", e.Message);
        }
        var groups = FlowEventGroups.None;
        foreach (var word in events.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            groups |= word.ToLowerInvariant() switch
            {
                "new" => FlowEventGroups.New,
                "update" or "updates" => FlowEventGroups.Update,
                "destroy" => FlowEventGroups.Destroy,
                "all" => FlowEventGroups.All,
                _ => FlowEventGroups.None,
            };
            if (word.ToLowerInvariant() is not ("new" or "update" or "updates" or "destroy" or "all"))
                return BadInput(stderr, "watch", $"--event: '{word}' is not new, update or destroy");
        }
        if (groups == FlowEventGroups.None) return BadInput(stderr, "watch", "--event: no event kind given");

        // Ctrl-C (SIGINT) and SIGTERM end the watch cleanly: flush, print the count like conntrack -E, exit 0.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancellationToken = stop.Token;
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
        long shown = 0;
        await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
        try
        {
            using var listener = OpenKernel(agent).Conntrack.OpenEvents(groups);
            var sink = FlowSink.Create(output, stdout, withEvent: true);
            FlowEventHandler onEvent = (in FlowEvent e) =>
            {
                var flow = e.Flow;
                if (!filter.IsAll && !filter.Matches(in flow)) return;
                sink.WriteEvent(e.Type, in flow);
                shown++;
            };
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await listener.ReceiveAsync(onEvent, cancellationToken).ConfigureAwait(false);
                }
                catch (EventsLostException)
                {
                    stderr.WriteLine("natgw conntrack watch: the kernel dropped events (ENOBUFS)");
                }
                await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (NetlinkException e)
        {
            stderr.WriteLine($"natgw conntrack watch: {e.Message}");
            return KernelErrorExitCode;
        }
        catch (KernelUnavailableException e)
        {
            stderr.WriteLine($"natgw conntrack watch: {e.Message}");
            return KernelErrorExitCode;
        }
        await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        stderr.WriteLine($"natgw conntrack: {shown} flow events have been shown.");
        return 0;

        void Stop(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}

/// <summary>What one <c>natgw conntrack</c> invocation asked for.</summary>
/// <param name="Verb">list, count, stats, delete or flush.</param>
/// <param name="FilterArguments">conntrack(8)-style filter arguments as typed (<c>-p tcp --dport 443 --filter EXPR</c>).</param>
/// <param name="Sort">Sort text (list only).</param>
/// <param name="Output">text, json or csv.</param>
/// <param name="All">An empty filter may remove every entry (delete/flush).</param>
public sealed record ConntrackCliRequest(string Verb, IReadOnlyList<string> FilterArguments, string? Sort, string Output, bool All);
