using System.Numerics;

namespace NatGateway.Nftables;

/// <summary>How the rule list is compiled: table names, conntrack mark layout, map use.</summary>
public sealed record NatCompileOptions
{
    /// <summary>Our IPv4 table: <c>table ip natgw</c>. Nothing outside our tables is ever touched.</summary>
    public string Ipv4Table { get; init; } = "natgw";
    /// <summary>Our IPv6 table: <c>table ip6 natgw</c>.</summary>
    public string Ipv6Table { get; init; } = "natgw";
    /// <summary>
    /// Our table for the rules' conntrack timeout policies: <c>table inet natgw_ct</c> (see
    /// NatRulesetCompiler.TimeoutTableCommands for why they do not live in the NAT tables).
    /// </summary>
    public string TimeoutTable { get; init; } = "natgw_ct";

    /// <summary>
    /// Bits of the conntrack mark that hold the rule's mark id (contiguous). Every translated flow gets
    /// <c>ct mark set ct mark and ~MarkMask or (markId &lt;&lt; shift)</c>, so other users keep the other bits.
    /// Default 0xffff0000: mark ids 1..65535, read back as <c>(ctmark &amp; 0xffff0000) &gt;&gt; 16</c>.
    /// </summary>
    public uint MarkMask { get; init; } = 0xffff0000;

    /// <summary>Group plain port forwards into nftables maps (constant cost per new flow). Off = one rule each.</summary>
    public bool UseMapsForPlainForwards { get; init; } = true;

    public int MarkShift => BitOperations.TrailingZeroCount(MarkMask);
    public uint MaxMarkId => MarkMask >> MarkShift;

    /// <summary>The ct mark bits for a mark id (already shifted under the mask).</summary>
    public uint MarkValue(int markId) => ((uint)markId << MarkShift) & MarkMask;

    /// <summary>The mark id a conntrack entry's mark carries (0 = not translated by us).</summary>
    public int MarkIdOf(uint ctMark) => (int)((ctMark & MarkMask) >> MarkShift);

    public void Validate()
    {
        if (MarkMask == 0) throw new ArgumentException("MarkMask must have at least one bit");
        var shifted = MarkMask >> MarkShift;
        if ((shifted & (shifted + 1)) != 0) throw new ArgumentException($"MarkMask 0x{MarkMask:x8} must be one contiguous run of bits");
        foreach (var name in new[] { Ipv4Table, Ipv6Table, TimeoutTable })
            if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new ArgumentException($"'{name}' is not a usable table name (letters, digits, '_')");
    }
}
