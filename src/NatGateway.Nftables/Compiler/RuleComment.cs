using System.Text;
using NatGateway.Nat;

namespace NatGateway.Nftables;

/// <summary>
/// The comment on every nft rule and map element we emit: "&lt;rule id&gt; &lt;name&gt;" (max 128 bytes, NFT_USERDATA_MAXLEN).
/// The id maps counters read back from the kernel to rules.
/// </summary>
public static class RuleComment
{
    private const int MaxBytes = 127;

    public static string For(NatRule rule)
    {
        var text = $"{rule.Id} {rule.Name}";
        while (Encoding.UTF8.GetByteCount(text) > MaxBytes) text = text[..^1];
        return text;
    }

    public static Guid? RuleIdOf(string? comment) =>
        comment is { Length: >= 36 } && Guid.TryParse(comment.AsSpan(0, 36), out var id) ? id : null;
}
