using System.Text.Json;

namespace NatGateway.Core.Revisions;

/// <summary>
/// Per-interface fixes the doctor offers, held as desired state in every revision so they survive restarts (start-up
/// recovery applies them again) and show in the revision diff and history like settings:
/// <list type="bullet">
/// <item><see cref="LroOff"/>: interfaces whose LRO is forced off (merged packets break forwarding; ETHTOOL_MSG_FEATURES_SET).</item>
/// <item><see cref="MssClamp"/>: interfaces whose outgoing TCP SYNs get their MSS clamped to the route MTU
/// (<c>tcp flags syn tcp option maxseg size set rt mtu</c> in our tables, compiled into the one nftables transaction).</item>
/// </list>
/// Stored in the revision's settings document under <c>"interfaceFixes"</c>, only when not empty: documents written before
/// it existed read as <see cref="None"/>, and a state without fixes writes the same document as before.
/// </summary>
public sealed record InterfaceFixes(IReadOnlyList<string> LroOff, IReadOnlyList<string> MssClamp)
{
    public static InterfaceFixes None { get; } = new([], []);

    public bool IsEmpty => LroOff.Count == 0 && MssClamp.Count == 0;

    /// <summary>The same fixes with one interface's LRO forced off (<paramref name="off"/>) or no longer forced.</summary>
    public InterfaceFixes WithLroOff(string interfaceName, bool off) => this with { LroOff = Toggle(LroOff, interfaceName, off) };

    /// <summary>The same fixes with one interface's MSS clamp on or off.</summary>
    public InterfaceFixes WithMssClamp(string interfaceName, bool clamp) => this with { MssClamp = Toggle(MssClamp, interfaceName, clamp) };

    private static string[] Toggle(IReadOnlyList<string> list, string name, bool present) =>
        (present ? list.Append(name) : list.Where(n => n != name)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    // Lists compare by content (records compare references), so an unchanged state is recognised as unchanged.
    public bool Equals(InterfaceFixes? other) =>
        other is not null && LroOff.SequenceEqual(other.LroOff, StringComparer.Ordinal) && MssClamp.SequenceEqual(other.MssClamp, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(string.Join(',', LroOff), string.Join(',', MssClamp));

    /// <summary>Lines like "lroOff.eth0: ∅ → off" between two states, for the revision diff.</summary>
    public static List<string> Diff(InterfaceFixes? a, InterfaceFixes? b)
    {
        a ??= None;
        b ??= None;
        var lines = new List<string>();
        void Lines(string key, IReadOnlyList<string> before, IReadOnlyList<string> after, string on)
        {
            foreach (var n in before.Union(after).Order(StringComparer.Ordinal))
            {
                bool x = before.Contains(n), y = after.Contains(n);
                if (x != y) lines.Add($"{key}.{n}: {(x ? on : "∅")} → {(y ? on : "∅")}");
            }
        }
        Lines("lroOff", a.LroOff, b.LroOff, "off");
        Lines("mssClamp", a.MssClamp, b.MssClamp, "clamp");
        return lines;
    }

    internal const string Property = "interfaceFixes";

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject(Property);
        w.WriteStartArray("lroOff");
        foreach (var n in LroOff) w.WriteStringValue(n);
        w.WriteEndArray();
        w.WriteStartArray("mssClamp");
        foreach (var n in MssClamp) w.WriteStringValue(n);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The fixes in a stored settings document (<see cref="None"/> when it has none, or there is no document).</summary>
    internal static InterfaceFixes Parse(string? settingsDocument)
    {
        if (string.IsNullOrWhiteSpace(settingsDocument)) return None;
        using var doc = JsonDocument.Parse(settingsDocument);
        if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty(Property, out var fixes)) return None;
        static string[] Names(JsonElement e, string name) =>
            e.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(x => x.GetString() ?? throw new InvalidDataException($"stored {Property}.{name} holds a non-string"))
                    .Select(n => NatGateway.Nat.InterfaceName.Problem(n) is null && !n.Contains('*') ? n : throw new InvalidDataException($"stored {Property}.{name} holds '{n}'"))
                    .ToArray()
                : [];
        return new InterfaceFixes(Names(fixes, "lroOff"), Names(fixes, "mssClamp"));
    }
}
