using NatGateway.Nat;

namespace NatGateway.Core.Revisions;

/// <summary>
/// The last few revisions' parsed rule lists, by revision id. A revision's rules document is written once and never
/// changes, so the id alone is the key: no invalidation. Parsing 10,000 rules costs ~0.1 s; the pending diff, the next
/// apply and the flow counts all need the list in force. Rules are immutable records; the lists are copies nobody
/// else holds.
/// </summary>
internal sealed class ParsedRulesCache(int capacity = 2)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(long Id, IReadOnlyList<NatRule> Rules)> _entries = new();

    public IReadOnlyList<NatRule>? TryGet(long id)
    {
        lock (_gate)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (node.Value.Id != id) continue;
                _entries.Remove(node);
                _entries.AddFirst(node);
                return node.Value.Rules;
            }
        }
        return null;
    }

    /// <summary>The cached list of <paramref name="id"/>, or <paramref name="document"/> parsed (and kept).</summary>
    public IReadOnlyList<NatRule> Parse(long id, string document)
    {
        if (TryGet(id) is { } cached) return cached;
        var rules = RulesDocument.Parse(document);
        Store(id, rules);
        return rules;
    }

    /// <summary>Keeps the rules just written as revision <paramref name="id"/>, as <see cref="RulesDocument.Parse"/> would return them.</summary>
    public void Add(long id, IReadOnlyList<NatRule> rules) =>
        Store(id, rules.Select((r, i) => r.Position == i ? r : r with { Position = i }).ToArray());

    private void Store(long id, IReadOnlyList<NatRule> rules)
    {
        lock (_gate)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
                if (node.Value.Id == id) return;
            _entries.AddFirst((id, rules));
            while (_entries.Count > capacity) _entries.RemoveLast();
        }
    }
}
