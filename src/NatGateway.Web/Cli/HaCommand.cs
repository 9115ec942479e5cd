using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using NatGateway.Agent.Protocol;
using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;

namespace NatGateway.Web.Cli;

/// <summary>
/// <c>natgw ha notify primary|backup|fault [--reason TEXT] [--agent SOCKET | --run-dir DIR]</c>: keepalived's notify
/// hook (the generated keepalived.conf calls it): records the transition and runs conntrackd's sequence, in
/// <c>natgw agent</c> (agent mode) or in this process over the run directory (single-process mode).
/// <c>natgw ha status [--output text|json] [--agent SOCKET | --run-dir DIR]</c>: this node's services.
/// Exit codes: 0 done, 1 a step failed (the daemon's words on stderr), 69 (EX_UNAVAILABLE) the agent does not answer.
/// </summary>
public static class HaCommand
{
    public const int Failed = 1, UnavailableExitCode = 69;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    public static Command Build()
    {
        var agent = new Option<string?>("--agent") { Description = $"natgw agent's socket (default {AgentProtocol.DefaultSocketPath} unless --run-dir is given)" };
        var runDirectory = new Option<string?>("--run-dir") { Description = "Single-process mode: the cluster run directory (keepalived's and conntrackd's files)" };
        var command = new Command("ha", "The HA pair: keepalived's notify hook and this node's cluster services");

        var state = new Argument<string>("state") { Description = "primary, backup or fault" };
        state.AcceptOnlyFromAmong("primary", "backup", "fault");
        var reason = new Option<string?>("--reason") { Description = "Why (default: keepalived notify)" };
        var notify = new Command("notify", "Record a VRRP transition and run conntrackd's commit/flush/resync sequence (keepalived calls this)");
        notify.Arguments.Add(state);
        foreach (var option in new Option[] { reason, agent, runDirectory }) notify.Options.Add(option);
        notify.SetAction(parse => Run(parse.GetValue(agent), parse.GetValue(runDirectory), services =>
        {
            // keepalived forks its notify scripts in the order of its transitions but runs them in parallel: this
            // process's start, not the moment it gets here, orders two quick ones (fault → backup → primary).
            if (services is LocalClusterServices local)
                local.Notify(ParseState(parse.GetValue(state)!), parse.GetValue(reason) ?? "keepalived notify",
                    new DateTimeOffset(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime()));
            else
                services.Notify(ParseState(parse.GetValue(state)!), parse.GetValue(reason) ?? "keepalived notify");
            return 0;
        }));

        var output = new Option<string>("--output", "-o") { Description = "text or json", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "json");
        var status = new Command("status", "This node's keepalived and conntrackd: running, VRRP state, last transition, sync counters");
        foreach (var option in new Option[] { output, agent, runDirectory }) status.Options.Add(option);
        status.SetAction(parse => Run(parse.GetValue(agent), parse.GetValue(runDirectory), services =>
        {
            var s = services.Status();
            Console.Out.Write(parse.GetValue(output) == "json" ? JsonSerializer.Serialize(s, Json) + "\n" : Format(s));
            return 0;
        }));

        command.Subcommands.Add(notify);
        command.Subcommands.Add(status);
        return command;
    }

    public static VrrpState ParseState(string text) => text switch
    {
        "primary" => VrrpState.Primary,
        "backup" => VrrpState.Backup,
        "fault" => VrrpState.Fault,
        _ => throw new ArgumentOutOfRangeException(nameof(text), text, "primary, backup or fault"),
    };

    public static string Format(ClusterServicesStatus s)
    {
        var w = new StringWriter();
        w.WriteLine($"keepalived   {(s.KeepalivedRunning ? "running" : "stopped")}");
        w.WriteLine($"conntrackd   {(s.ConntrackdRunning ? "running" : "stopped")}");
        w.WriteLine($"vrrp state   {s.State.ToString().ToLowerInvariant()}");
        if (s.LastTransition is { } t)
            w.WriteLine($"last change  {t.At:yyyy-MM-dd HH:mm:ss.fff}Z {t.From.ToString().ToLowerInvariant()} -> {t.To.ToString().ToLowerInvariant()} ({t.Reason})");
        if (s.Sync is { } x)
            w.WriteLine($"sync         internal {x.EntriesInternalCache}, external {x.EntriesExternalCache}, sent {x.MessagesSent}, received {x.MessagesReceived}, lost {x.MessagesLost}, resyncs {x.Resyncs}");
        return w.ToString();
    }

    private static int Run(string? agent, string? runDirectory, Func<IClusterServices, int> action)
    {
        try
        {
            if (runDirectory is not null && agent is null)
            {
                using var local = new LocalClusterServices(new ProcSysctl(), new ClusterServiceOptions { Files = new ClusterRunFiles(Path.GetFullPath(runDirectory)) });
                return action(local);
            }
            using var remote = new NatGateway.Agent.Client.AgentGatewayKernel(agent ?? AgentProtocol.DefaultSocketPath);
            return action(remote.Cluster);
        }
        catch (KernelUnavailableException e)
        {
            Console.Error.WriteLine($"natgw ha: {e.Message}");
            return UnavailableExitCode;
        }
        catch (Exception e) when (e is ClusterServiceException or InvalidOperationException or ArgumentException or IOException)
        {
            Console.Error.WriteLine($"natgw ha: {e.Message}");
            return Failed;
        }
    }
}
