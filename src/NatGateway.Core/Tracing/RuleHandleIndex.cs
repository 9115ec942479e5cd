using System.Text.RegularExpressions;
using NatGateway.Nftables;

namespace NatGateway.Core.Tracing;

/// <summary>
/// The rules of <c>nft -a list ruleset</c> by (family, table, handle): what a trace hop's rule handle refers to. Read
/// only; rule handles are unique per table (nf_tables_api.c: table->hgenerator), so family + table + handle names one rule.
/// </summary>
/// <remarks>
/// The text listing is read rather than the JSON one because the hop shows the rule as nft prints it. nft indents with
/// tabs: <c>table FAMILY NAME {</c> at depth 0, <c>chain NAME {</c> / <c>set</c> / <c>map</c> at depth 1, a chain's rules
/// at depth 2 ending in <c># handle N</c> (set elements sit deeper or inside set blocks, so only depth-2 lines inside a
/// chain are rules).
/// </remarks>
public sealed partial class RuleHandleIndex
{
    private readonly Dictionary<(string Family, string Table, ulong Handle), TraceRuleInfo> _rules = [];

    public int Count => _rules.Count;

    public TraceRuleInfo? Find(string family, string table, ulong handle) => _rules.GetValueOrDefault((family, table, handle));

    public static RuleHandleIndex Parse(string listing)
    {
        var index = new RuleHandleIndex();
        string? family = null, table = null;
        var inChain = false;
        foreach (var raw in listing.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("table ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
                (family, table, inChain) = parts.Length >= 3 ? (parts[1], parts[2], false) : (null, null, false);
                continue;
            }
            if (line.StartsWith("\tchain ", StringComparison.Ordinal)) { inChain = true; continue; }
            if (line.StartsWith("\t}", StringComparison.Ordinal) || (line.StartsWith('\t') && !line.StartsWith("\t\t", StringComparison.Ordinal)))
            {
                inChain = false;
                continue;
            }
            if (!inChain || family is null || table is null || !line.StartsWith("\t\t", StringComparison.Ordinal) || line.StartsWith("\t\t\t", StringComparison.Ordinal))
                continue;
            var match = HandleSuffix().Match(line);
            if (!match.Success) continue;
            var text = line[..match.Index].Trim();
            var comment = CommentText().Matches(text) is { Count: > 0 } m ? m[^1].Groups[1].Value : null;
            index._rules[(family, table, ulong.Parse(match.Groups[1].Value))] = new TraceRuleInfo(text, RuleComment.RuleIdOf(comment));
        }
        return index;
    }

    [GeneratedRegex(@" # handle (\d+)$")]
    private static partial Regex HandleSuffix();

    [GeneratedRegex("comment \"([^\"]*)\"")]
    private static partial Regex CommentText();
}
