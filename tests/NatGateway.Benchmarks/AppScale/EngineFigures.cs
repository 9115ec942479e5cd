using System.Diagnostics;
using System.Text.Json;
using NatGateway.Benchmarks.Conntrack;
using NatGateway.Core.Rules;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.AppScale;

/// <summary>Engine-only medians (ms) for N rules, measured in the same run as the app's figures.</summary>
internal sealed record EngineFigures(double ApplyMs, double ParseValidateMs, double ValidateOneMs, double RuleDiffMs, double RuleDiffCompileMs,
    double SerializeAllMs, double SerializePageMs)
{
    /// <summary>
    /// In the lab's gateway, without the app: (apply) compile + one nftables transaction of the list from empty tables
    /// (libnftables in this process, maps for plain forwards: what the <c>nat</c> benchmark measures); (import) parsing the
    /// rules' JSON and validating the whole list; (one more rule) validating it against the N before it; (pending) the keyed
    /// rule diff of N against N+1 rules, and with the compile of the N+1; (reads) writing all N / 50 rules as JSON.
    /// The tables are emptied at the end: natgw starts from the same kernel state.
    /// </summary>
    public static EngineFigures Measure(NamespaceLab lab, int forwards, int rounds)
    {
        var rules = ScaleRules.Create(forwards);
        var extra = new DnatRule
        {
            Name = "one-more", MarkId = 65_000, Position = rules.Count, InInterfaces = [NamespaceLab.GatewayLanInterface], Protocol = NatProtocol.Udp,
            DestinationPort = new PortRange(40_000), TargetAddress = AddressPool.Single(System.Net.IPAddress.Parse(NamespaceLab.ServerAddress)),
        };
        var plusOne = rules.Append(extra).ToList();
        var json = ScaleRules.ArrayJson(rules);
        using var backend = lab.RunIn(lab.Gateway, () => new LibNftablesBackend());
        var engine = new NftablesNatEngine(backend, new NatCompileOptions { UseMapsForPlainForwards = true });
        var apply = new List<double>();
        var parse = new List<double>();
        var one = new List<double>();
        var diff = new List<double>();
        var diffCompile = new List<double>();
        var all = new List<double>();
        var page = new List<double>();
        for (var round = -1; round < Math.Max(rounds, 3); round++) // round -1 warms up (JIT of every path), then cleared
        {
            if (round == 0) foreach (var list in new[] { apply, parse, one, diff, diffCompile, all, page }) list.Clear();
            engine.Apply(engine.CompileOnly([]));
            apply.Add(Time(() => engine.Apply(engine.CompileOnly(rules))));
            parse.Add(Time(() =>
            {
                using var document = JsonDocument.Parse(json);
                var parsed = document.RootElement.EnumerateArray().Select(e => NatRuleJson.Parse(e).Rule!).ToList();
                NatRuleValidator.ValidateAll(parsed);
            }));
            one.Add(Time(() => NatRuleValidator.Validate(extra, rules)));
            diff.Add(Time(() => RuleListDiff.Compare(rules, plusOne)));
            diffCompile.Add(Time(() => { RuleListDiff.Compare(rules, plusOne); engine.CompileOnly(plusOne); }));
            all.Add(Time(() => ScaleRules.ArrayJson(rules)));
            page.Add(Time(() => ScaleRules.ArrayJson(rules.Take(50).ToList())));
        }
        engine.Apply(engine.CompileOnly([]));
        return new EngineFigures(Statistics.Median(apply), Statistics.Median(parse), Statistics.Median(one), Statistics.Median(diff),
            Statistics.Median(diffCompile), Statistics.Median(all), Statistics.Median(page));
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalMilliseconds;
    }
}
