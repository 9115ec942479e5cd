using System.Text.Json;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Nat.Tests.Kernel;

/// <summary>
/// Names and descriptions can never change the meaning of a ruleset. For each hostile name, the rules are applied
/// through libnftables in a fresh scratch namespace; <c>nft -s list ruleset</c> there is loaded with <c>nft -f</c> into
/// another fresh namespace, which must then list exactly the same ruleset and hold no chain we did not make.
/// Names the validator refuses (line breaks, control characters, lone surrogates, over 64 characters) are shown to be refused, and then
/// applied in their longest accepted form (cut to 61 characters, control characters and lone surrogates turned into quotes).
/// </summary>
public sealed class HostileNameTests
{
    private const string Lockout = "\";};chain i{type filter hook input priority 0;policy drop;#";

    private static readonly Dictionary<string, string> Corpus = new()
    {
        ["lockout"] = Lockout,
        ["lockout without the leading quote"] = "};chain i{type filter hook input priority 0;policy drop;#",
        ["double quote"] = "a\"b",
        ["lone double quote"] = "\"",
        ["single quote"] = "it's",
        ["braces"] = "{ } {{}}",
        ["semicolons"] = "a; b;;",
        ["hash"] = "# not a comment",
        ["newline"] = "line1\nline2",
        ["newline with a chain"] = "x\"\n}\nchain i { type filter hook input priority 0; policy drop; }\n#",
        ["carriage return and tab"] = "a\r\n\tb",
        ["backslashes"] = "\\\\\" \\n \\",
        ["nul and control characters"] = "a\0b\u0001\u001b[31m",
        ["unicode"] = "Ünïcødé 名前 🚀 \u202e",
        ["lone surrogate"] = "a\ud800b",
        ["1,000 characters"] = new string('n', 1000),
        ["1,000 hostile characters"] = string.Concat(Enumerable.Repeat("\"{;#", 250)),
        ["1,000 multi-byte characters"] = new string('名', 1000),
        ["nft keywords"] = "comment \"x\" counter drop accept jump input",
        ["dollar and at"] = "$var @set",
    };

    public static TheoryData<string> Cases => new(Corpus.Keys);

    /// <summary>Every shape that carries a comment: map elements, rule comments in prerouting/output/postrouting and per-rule chains.</summary>
    private static IReadOnlyList<NatRule> RulesNamed(string name) =>
    [
        Rules.Forward(1, 8080, "10.77.2.2", 80) with { Name = name, Description = name },
        Rules.Forward(2, 8443, "10.77.2.3") with { Name = name + "2", Description = name, SourceCidrs = [IpPrefix.Parse("10.77.1.0/24")], Hairpin = true },
        Rules.Snat(3, "10.77.2.10-10.77.2.12") with { Name = name + "3", Description = name },
        Rules.Masquerade(4) with { Name = name + "4", Description = name },
    ];

    [KernelTheory]
    [MemberData(nameof(Cases))]
    public void A_saved_ruleset_reloads_to_the_same_ruleset_with_no_foreign_chain(string @case)
    {
        var rules = RulesNamed(Corpus[@case]);
        var refused = NatRuleValidator.NameIssues(Corpus[@case]).ToList();
        if (refused.Count > 0)
        {
            // Multi-line and over-long names are refused before they can reach the compiler (and the compiler checks again).
            Assert.All(refused, i => Assert.Equal("name", i.Field));
            Assert.Throws<NatCompileException>(() => NatRulesetCompiler.Compile(rules));
            rules = [.. rules.Select(r => r with { Name = r.Name.Length > 60 ? r.Name[..60] + r.Name[^1] : r.Name })];
            rules = [.. rules.Select(r => r with { Name = new string(r.Name.Select(c => char.IsControl(c) || char.IsSurrogate(c) && !Corpus["unicode"].Contains(c) ? '"' : c).ToArray()) })];
            rules = [.. rules.Select(r => r with { Description = r.Name })];
            Assert.Empty(rules.SelectMany(r => NatRuleValidator.NameIssues(r.Name)));
        }
        var compiled = NatRulesetCompiler.Compile(rules);
        using var applied = new ScratchNs();
        using var reloaded = new ScratchNs();

        applied.RunIn(() =>
        {
            using var backend = new LibNftablesBackend();
            backend.Run(compiled.Json, json: true);
        });
        var saved = applied.Nft("-s", "list", "ruleset");
        reloaded.NftScript(saved);

        Assert.Equal(saved, reloaded.Nft("-s", "list", "ruleset"));
        var chains = Chains(reloaded);
        Assert.Equal(Chains(applied), chains);
        Assert.All(chains, c => Assert.True(c.Table == "natgw" && c.Type is null or "nat", $"foreign chain {c}"));
        // The kernel holds only the id and the safe slug of each name (and the VRRP exemption's fixed comment); descriptions never go there.
        Assert.Subset(rules.Select(RuleComment.For).Append(NatRulesetCompiler.VrrpComment).ToHashSet(), Comments(applied).ToHashSet());
    }

    [Fact]
    public void Comments_keep_the_rule_id_and_only_safe_characters_within_nfts_limit()
    {
        foreach (var name in Corpus.Values)
        {
            var rule = Rules.Masquerade(9) with { Name = name };
            var comment = RuleComment.For(rule);
            Assert.Equal(rule.Id, RuleComment.RuleIdOf(comment));
            Assert.True(comment.Length <= 127, $"{comment.Length} bytes");
            Assert.All(comment, c => Assert.True(char.IsAsciiLetterOrDigit(c) || " -_.:@+/".Contains(c), $"'{c}' in {comment}"));
        }
        Assert.Equal($"{Rules.Id(9)} web-1 _a_b_", RuleComment.For(Rules.Masquerade(9) with { Name = "web-1 \"a;b}" }));
    }

    private sealed record Chain(string Family, string Table, string Name, string? Type);

    private static Chain[] Chains(ScratchNs ns)
    {
        using var doc = JsonDocument.Parse(ns.Nft("-j", "list", "chains"));
        return doc.RootElement.GetProperty("nftables").EnumerateArray()
            .Where(i => i.TryGetProperty("chain", out _)).Select(i => i.GetProperty("chain"))
            .Select(c => new Chain(c.GetProperty("family").GetString()!, c.GetProperty("table").GetString()!, c.GetProperty("name").GetString()!,
                c.TryGetProperty("type", out var type) ? type.GetString() : null))
            .OrderBy(c => c.ToString(), StringComparer.Ordinal).ToArray();
    }

    private static List<string> Comments(ScratchNs ns)
    {
        using var doc = JsonDocument.Parse(ns.Nft("-j", "list", "ruleset"));
        var comments = new List<string>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name == "comment" && p.Value.ValueKind == JsonValueKind.String) comments.Add(p.Value.GetString()!);
                    else Walk(p.Value);
                }
            else if (e.ValueKind == JsonValueKind.Array)
                foreach (var item in e.EnumerateArray()) Walk(item);
        }
        Walk(doc.RootElement);
        Assert.NotEmpty(comments);
        return comments;
    }

    /// <summary>A fresh, empty named network namespace (<c>ip netns add</c>), deleted on dispose.</summary>
    private sealed class ScratchNs : IDisposable
    {
        public string Name { get; } = $"ngw-{Guid.NewGuid().ToString("N")[..8]}-h";

        public ScratchNs() => ProcessRunner.Run("ip", "netns", "add", Name).EnsureSuccess("ip netns add");

        public void RunIn(Action action) => NetworkNamespace.RunIn(Name, action);

        public string Nft(params string[] args) =>
            ProcessRunner.Run("ip", ["netns", "exec", Name, "nft", .. args]).EnsureSuccess("nft " + string.Join(' ', args)).StandardOutput;

        public void NftScript(string script) =>
            ProcessRunner.Run("ip", ["netns", "exec", Name, "nft", "-f", "-"], stdin: script).EnsureSuccess("nft -f (the saved ruleset)");

        public void Dispose() => ProcessRunner.Run("ip", "netns", "delete", Name);
    }
}
