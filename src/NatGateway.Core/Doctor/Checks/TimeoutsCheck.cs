using NatGateway.Capacity.Planning;
using static NatGateway.Core.Doctor.Checks.CheckSupport;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// Entries by state against the timeouts that keep them: an entry lives until its state's timeout passes with no
/// packet, so a table dominated by TIME_WAIT (120 s after every closed TCP connection) or unreplied UDP (30 s after
/// every DNS query that got no answer) is mostly finished connections, and a shorter timeout frees it.
/// </summary>
public sealed class TimeoutsCheck : IDoctorCheck
{
    public CheckId Id => CheckId.Timeouts;
    public CheckArea Area => CheckArea.Conntrack;
    private const string Title = "Timeouts holding the table";

    /// <summary>One state with more than half the entries is what dominates the table's size.</summary>
    public const double DominantShare = 0.5;

    /// <summary>Below this many entries a dominant state is no problem (a quiet gateway's handful of TIME_WAITs).</summary>
    public const long MinimumEntries = 1000;

    /// <summary>The timeouts of live traffic: shortening them cuts working connections, so they are never suggested.</summary>
    private static readonly HashSet<string> LiveTimeouts = new(StringComparer.Ordinal)
    {
        "nf_conntrack_tcp_timeout_established", "nf_conntrack_udp_timeout_stream",
    };

    /// <summary>Suggestions for the TCP teardown states the capacity planner does not estimate (each still well above
    /// a round trip: these states end in one exchange of FIN/ACK unless a peer vanished).</summary>
    private static readonly Dictionary<string, int> TeardownSuggestions = new(StringComparer.Ordinal)
    {
        ["nf_conntrack_tcp_timeout_fin_wait"] = 30,
        ["nf_conntrack_tcp_timeout_close_wait"] = 30,
        ["nf_conntrack_tcp_timeout_last_ack"] = 30,
        ["nf_conntrack_tcp_timeout_syn_recv"] = 30,
        ["nf_conntrack_tcp_timeout_close"] = 10,
    };

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.States.Value is not { } census) return CheckResult.NotApplicable(Id, Area, Title, $"entries by state could not be counted: {s.States.Problem}");
        var evidence = new List<Evidence> { new("entries counted", Number(census.Total), s.States.Source) };
        foreach (var state in census.States.OrderByDescending(x => x.Entries).Take(6))
            evidence.Add(new Evidence($"{state.State}", $"{Number(state.Entries)} ({Percent(census.Total > 0 ? (double)state.Entries / census.Total : 0)}), " +
                $"{Key(state.TimeoutKey)} = {state.TimeoutSeconds} s", s.States.Source));
        if (census.Total == 0 || census.States.Count == 0)
            return new CheckResult(Id, Area, CheckStatus.Ok, Title, "the table is empty", "No state holds the table.", evidence, []);

        var top = census.States.MaxBy(x => x.Entries)!;
        var share = (double)top.Entries / census.Total;
        var key = Key(top.TimeoutKey);
        var idle = !LiveTimeouts.Contains(key);
        if (share <= DominantShare || !idle || census.Total < MinimumEntries)
            return new CheckResult(Id, Area, CheckStatus.Ok, Title,
                $"the largest state is {top.State} with {Percent(share)} of {Number(census.Total)} entries",
                "No finished-connection state dominates the table.", evidence, []);

        var fixes = new List<DoctorFix>();
        if (Suggested(key) is { } seconds && seconds < top.TimeoutSeconds)
        {
            var freed = (long)Math.Round(top.Entries * (1 - (double)seconds / top.TimeoutSeconds));
            fixes.Add(new DoctorFix(FixKind.ShortenTimeout, $"Shorten {key} to {seconds} s",
                $"sets net.netfilter.{key} = {seconds} (now {top.TimeoutSeconds}) as a new revision, commit-confirmed; " +
                $"at the same connection rate about {Number(freed)} fewer entries",
                new FixTarget { TimeoutKey = key, Value = seconds }));
        }
        return new CheckResult(Id, Area, CheckStatus.Warning, Title,
            $"{top.State} holds {Percent(share)} of {Number(census.Total)} entries ({key} = {top.TimeoutSeconds} s)",
            "Most of the conntrack table is connections that are already over, waiting for their timeout: TIME_WAIT after " +
            "every closed TCP connection, unreplied UDP after every query nobody answered. They take table space and memory " +
            "like live ones. A shorter timeout for that state frees them sooner, so the same table carries more real traffic.",
            evidence, fixes);
    }

    private static string Key(string timeoutKey) =>
        timeoutKey.StartsWith("net.netfilter.", StringComparison.Ordinal) ? timeoutKey["net.netfilter.".Length..] : timeoutKey;

    private static int? Suggested(string key)
    {
        if (TeardownSuggestions.TryGetValue(key, out var teardown)) return teardown;
        try { return FlowEstimator.SuggestedSeconds(key); }
        catch (ArgumentOutOfRangeException) { return null; }
    }
}
