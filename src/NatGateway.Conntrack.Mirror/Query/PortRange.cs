using System.Globalization;

namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>An inclusive port range; a single port has <see cref="First"/> == <see cref="Last"/>.</summary>
public readonly record struct PortRange(ushort First, ushort Last)
{
    public bool IsSinglePort => First == Last;

    public bool Contains(ushort port) => port >= First && port <= Last;

    /// <summary>Parses "443" or "1000-2000".</summary>
    public static bool TryParse(string text, out PortRange range, out string? error)
    {
        range = default;
        var dash = text.IndexOf('-', 1 < text.Length ? 1 : 0);
        if (dash <= 0)
        {
            if (!TryParsePort(text, out var port, out error)) return false;
            range = new PortRange(port, port);
            return true;
        }
        if (!TryParsePort(text[..dash], out var first, out error) || !TryParsePort(text[(dash + 1)..], out var last, out error))
            return false;
        if (first > last)
        {
            error = $"port range '{text}' is reversed ({first} > {last})";
            return false;
        }
        range = new PortRange(first, last);
        return true;
    }

    private static bool TryParsePort(string text, out ushort port, out string? error)
    {
        port = 0;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            error = $"bad port '{text}'";
            return false;
        }
        if (value > ushort.MaxValue)
        {
            error = $"port {text} out of range 0-65535";
            return false;
        }
        port = (ushort)value;
        error = null;
        return true;
    }

    public override string ToString() => IsSinglePort
        ? First.ToString(CultureInfo.InvariantCulture)
        : $"{First.ToString(CultureInfo.InvariantCulture)}-{Last.ToString(CultureInfo.InvariantCulture)}";
}
