using System.Text;
using NatGateway.Nat;

namespace NatGateway.Nftables;

/// <summary>
/// The comment on every nft rule and map element we emit: "&lt;rule id&gt; &lt;name as a safe slug&gt;".
/// The id maps counters read back from the kernel to rules. The name is only a hint for someone reading
/// <c>nft list ruleset</c>: the real name stays in SQLite.
/// </summary>
/// <remarks>
/// nft prints a comment as <c>comment "text"</c> without escaping anything, so a name carrying a quote could end the
/// string and have the rest read as ruleset syntax when an operator saves and reloads the ruleset
/// (<c>nft -s list ruleset &gt; f; nft -f f</c>): a name such as <c>";};chain i{type filter hook input priority 0;policy drop;#</c>
/// would add an input chain with policy drop. The slug keeps only ASCII letters, digits, space and <c>- _ . : @ + /</c>
/// (everything else becomes '_'), so a comment can never change the meaning of a ruleset. The whole comment stays
/// under nft's 128-byte comment limit (NFTNL_UDATA_COMMENT_MAXLEN), so a long name never makes an apply fail.
/// </remarks>
public static class RuleComment
{
    private const int MaxBytes = 127;

    public static string For(NatRule rule)
    {
        var text = $"{rule.Id} {Slug(rule.Name)}".TrimEnd();
        return text.Length > MaxBytes ? text[..MaxBytes].TrimEnd() : text;
    }

    /// <summary>The name with every character outside the safe set replaced by '_' (ASCII only: one byte per character).</summary>
    public static string Slug(string name)
    {
        var sb = new StringBuilder(Math.Min(name.Length, MaxBytes));
        foreach (var c in name)
        {
            if (sb.Length >= MaxBytes) break;
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is ' ' or '-' or '_' or '.' or ':' or '@' or '+' or '/' ? c : '_');
        }
        return sb.ToString();
    }

    /// <summary>
    /// The comment of backend <paramref name="index"/>'s rule of a load-balanced forward: "&lt;rule id&gt;#b&lt;index&gt; &lt;slug&gt;".
    /// '#' never occurs in a slug, so no rule name can make an ordinary comment read as a backend's.
    /// </summary>
    public static string ForBackend(NatRule rule, int index)
    {
        var text = $"{rule.Id}#b{index} {Slug(rule.Name)}".TrimEnd();
        return text.Length > MaxBytes ? text[..MaxBytes].TrimEnd() : text;
    }

    /// <summary>The backend index of a comment written by <see cref="ForBackend"/>; null for any other comment.</summary>
    public static int? BackendOf(string? comment)
    {
        if (comment is not { Length: > 38 } || comment[36] != '#' || comment[37] != 'b') return null;
        var end = comment.IndexOf(' ', 38);
        var digits = end < 0 ? comment.AsSpan(38) : comment.AsSpan(38, end - 38);
        return digits.Length is > 0 and <= 4 && int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : null;
    }

    public static Guid? RuleIdOf(string? comment) =>
        comment is { Length: >= 36 } && Guid.TryParse(comment.AsSpan(0, 36), out var id) ? id : null;
}
