using System.Text.Json;
using NatGateway.Core.Rules;
using NatGateway.Nat;

namespace NatGateway.Web.Api;

/// <summary>
/// The body of <c>POST /api/v1/rules/batch</c>, <c>{"rules": [rule, ...]}</c>, read in one pass over the parsed document:
/// every rule is parsed by <see cref="NatRuleJson"/> and every malformed field of every rule is kept, keyed by the rule's
/// index (<c>rules[3].destinationPort</c>), so one answer lists them all.
/// </summary>
public sealed record RuleBatchRequest(IReadOnlyList<NatRule> Rules, IReadOnlyList<int> Indexes, Dictionary<string, List<string>> Errors)
{
    /// <summary>Most rules one batch may hold (the largest list natgw is sized for, twice over).</summary>
    public const int MaxRules = 20_000;

    public static RuleBatchRequest Read(JsonElement root)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string key, string message)
        {
            if (!errors.TryGetValue(key, out var list)) errors[key] = list = [];
            list.Add(message);
        }
        foreach (var p in root.EnumerateObject())
            if (p.Name != "rules") Add(p.Name, "is an unknown field; the body is {\"rules\": [rule, ...]}");
        if (!root.TryGetProperty("rules", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            Add("rules", "must be an array of rules: {\"rules\": [rule, ...]}");
            return new RuleBatchRequest([], [], errors);
        }
        var count = array.GetArrayLength();
        if (count == 0) Add("rules", "must hold at least one rule");
        if (count > MaxRules)
        {
            Add("rules", $"holds {count} rules; a batch may hold at most {MaxRules}");
            return new RuleBatchRequest([], [], errors);
        }
        var rules = new List<NatRule>(count);
        var indexes = new List<int>(count);
        var i = 0;
        foreach (var element in array.EnumerateArray())
        {
            var parsed = NatRuleJson.Parse(element);
            if (parsed.Success)
            {
                rules.Add(parsed.Rule!);
                indexes.Add(i);
            }
            else
                foreach (var issue in parsed.Errors) Add(Key(i, issue.Field), issue.Message);
            i++;
        }
        return new RuleBatchRequest(rules, indexes, errors);
    }

    /// <summary><c>rules[3].destinationPort</c>; <c>rules[3]</c> for the rule as a whole.</summary>
    public static string Key(int index, string field) => field.Length == 0 ? $"rules[{index}]" : $"rules[{index}].{field}";

    /// <summary>
    /// Adds the errors of the batch against the draft (duplicates, shadows, name clashes) to <see cref="Errors"/> without
    /// saving anything: only when some rules did not parse, so the answer still lists every error of the others. The
    /// merge is the one <see cref="NatRulesService.SaveBatchAsync"/> makes (an existing id replaces in place, others append).
    /// </summary>
    public void AddListErrors(IReadOnlyList<NatRule> draft, NatRulesService service)
    {
        var list = draft.ToList();
        var at = new Dictionary<Guid, int>(list.Count + Rules.Count);
        for (var i = 0; i < list.Count; i++) at[list[i].Id] = i;
        var batchIndex = new Dictionary<Guid, int>(Rules.Count);
        for (var b = 0; b < Rules.Count; b++)
        {
            var rule = Rules[b];
            if (!batchIndex.TryAdd(rule.Id, Indexes[b]))
            {
                Add(Key(Indexes[b], "id"), $"the same id is already in this batch at rules[{batchIndex[rule.Id]}]");
                continue;
            }
            if (at.TryGetValue(rule.Id, out var index)) list[index] = rule with { MarkId = list[index].MarkId };
            else
            {
                at[rule.Id] = list.Count;
                list.Add(rule with { MarkId = 0 });
            }
        }
        foreach (var (ruleId, name, issue) in service.ValidateList(MarkIdAllocator.AssignMissing(list), null))
        {
            if (issue.Severity != IssueSeverity.Error) continue;
            if (batchIndex.TryGetValue(ruleId, out var b)) Add(Key(b, issue.Field), issue.Message);
            else Add("rules", $"Rule '{name}' (already in the list): {issue.Message}");
        }
    }

    private void Add(string key, string message)
    {
        if (!Errors.TryGetValue(key, out var list)) Errors[key] = list = [];
        list.Add(message);
    }

    /// <summary>The 400 answer's <c>errors</c>.</summary>
    public Dictionary<string, string[]> ErrorsByKey() => Errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>The errors of <see cref="NatRulesService.SaveBatchAsync"/>, by key; those of rules already in the list
    /// (index -1: a rule the batch now shadows) under <c>rules</c>.</summary>
    public static Dictionary<string, string[]> ErrorsByKey(BatchOutcome outcome) =>
        outcome.Errors.GroupBy(e => e.Index < 0 ? "rules" : e.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Issue.Message).ToArray(), StringComparer.Ordinal);
}
