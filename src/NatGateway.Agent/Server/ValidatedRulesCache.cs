using System.Security.Cryptography;
using NatGateway.Nat;

namespace NatGateway.Agent.Server;

/// <summary>
/// The last few rule lists that PASSED validation, by the SHA-256 of their exact JSON bytes. One revision apply sends the
/// same list several times (Render, Apply, DetectDrift); parsing and validation are a pure function of those bytes, so
/// a list seen before is not parsed or checked again. A list that failed is never stored, and any different byte is a
/// different hash: nothing unchecked gets through. Small and bounded (least recently used goes), shared by sessions.
/// </summary>
public sealed class ValidatedRulesCache(int capacity = 4)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(byte[] Hash, IReadOnlyList<NatRule> Rules)> _entries = new();

    public static byte[] Hash(ReadOnlySpan<byte> json) => SHA256.HashData(json);

    public bool TryGet(byte[] hash, out IReadOnlyList<NatRule> rules)
    {
        lock (_gate)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (!node.Value.Hash.AsSpan().SequenceEqual(hash)) continue;
                _entries.Remove(node);
                _entries.AddFirst(node);
                rules = node.Value.Rules;
                return true;
            }
        }
        rules = [];
        return false;
    }

    /// <summary>Stores a list that passed validation (the caller's promise); the rules are immutable records.</summary>
    public void Add(byte[] hash, IReadOnlyList<NatRule> rules)
    {
        lock (_gate)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
                if (node.Value.Hash.AsSpan().SequenceEqual(hash)) return;
            _entries.AddFirst((hash, rules));
            while (_entries.Count > capacity) _entries.RemoveLast();
        }
    }
}
