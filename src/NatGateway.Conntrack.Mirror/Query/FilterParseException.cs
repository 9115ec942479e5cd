namespace NatGateway.Conntrack.Mirror.Query;

/// <summary>A filter (or sort) text that does not parse. <see cref="Column"/> is 1-based; the message names it.</summary>
public sealed class FilterParseException : FormatException
{
    public FilterParseException(string message, int column) : base(message) => Column = column;

    /// <summary>1-based column of the offending token in the filter text (0 when not tied to a position, e.g. CLI options).</summary>
    public int Column { get; }
}
