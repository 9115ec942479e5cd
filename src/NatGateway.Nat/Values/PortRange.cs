using System.Globalization;

namespace NatGateway.Nat;

/// <summary>
/// A TCP/UDP port or inclusive port range, 1..65535. Text form "80" or "1000-2000"
/// (the nft form is the same: <c>tcp dport 1000-2000</c>).
/// </summary>
public readonly record struct PortRange
{
    public int From { get; }
    public int To { get; }

    public PortRange(int from, int to)
    {
        if (Check(from, to) is { } error) throw new ArgumentOutOfRangeException(nameof(from), error);
        From = from;
        To = to;
    }

    public PortRange(int port) : this(port, port) { }

    public bool IsSingle => From == To;

    /// <summary>Number of ports covered (1 for a single port).</summary>
    public int Width => To - From + 1;

    public bool Contains(int port) => port >= From && port <= To;
    public bool Contains(PortRange other) => other.From >= From && other.To <= To;
    public bool Overlaps(PortRange other) => other.From <= To && From <= other.To;

    /// <summary>The reason a range is invalid, or null.</summary>
    private static string? Check(int from, int to) =>
        from < 1 || from > 65535 ? $"port {from} is outside 1..65535" :
        to < 1 || to > 65535 ? $"port {to} is outside 1..65535" :
        to < from ? $"reversed range {from}-{to}: the first port must not exceed the second" :
        null;

    /// <summary>Parses "80" or "1000-2000"; returns false with a human-readable reason.</summary>
    public static bool TryParse(string? text, out PortRange range, out string error)
    {
        range = default;
        error = "";
        if (string.IsNullOrWhiteSpace(text)) { error = "a port or range (\"80\" or \"1000-2000\") is required"; return false; }
        var parts = text.Trim().Split('-');
        if (parts.Length > 2) { error = $"'{text}' is not a port or a range \"from-to\""; return false; }
        var numbers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i].Trim();
            if (part.Length == 0 || !part.All(char.IsAsciiDigit))
            { error = $"'{text}' is not a port or a range \"from-to\""; return false; }
            // Digits beyond int range are still "a port above 65535", not a format error.
            numbers[i] = int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;
        }
        var from = numbers[0];
        var to = numbers.Length == 2 ? numbers[1] : from;
        if (Check(from, to) is { } why) { error = why; return false; }
        range = new PortRange(from, to);
        return true;
    }

    public static PortRange Parse(string text) =>
        TryParse(text, out var r, out var error) ? r : throw new FormatException(error);

    public override string ToString() => IsSingle
        ? From.ToString(CultureInfo.InvariantCulture)
        : $"{From.ToString(CultureInfo.InvariantCulture)}-{To.ToString(CultureInfo.InvariantCulture)}";
}
