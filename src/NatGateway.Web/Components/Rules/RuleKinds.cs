using MudBlazor;
using NatGateway.Nat;

namespace NatGateway.Web.Components.Rules;

/// <summary>
/// How the page names and colours each <see cref="NatRuleKind"/>: the add menu, the kind filter, the chips and the
/// editor's title all read it, so a new kind is one entry here (and its fields in the editor). The order and the JSON
/// text come from <see cref="NatRuleJson.Kinds"/>.
/// </summary>
public static class RuleKinds
{
    /// <summary>The words for a kind: "Port forward (DNAT)", "1:1 NAT", ...</summary>
    public static string Title(NatRuleKind kind) => kind switch
    {
        NatRuleKind.Dnat => "Port forward (DNAT)",
        NatRuleKind.Snat => "Source NAT (SNAT)",
        NatRuleKind.Masquerade => "Masquerade",
        NatRuleKind.OneToOne => "1:1 NAT (prefix map)",
        NatRuleKind.Nptv6 => "IPv6 prefix translation (NPTv6)",
        NatRuleKind.Redirect => "Redirect to the gateway",
        NatRuleKind.LoadBalance => "Load-balanced forward",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The chip colour; the theme (NatGatewayTheme) keeps every one at WCAG AA contrast with white text.</summary>
    public static Color ChipColor(NatRuleKind kind) => kind switch
    {
        NatRuleKind.Dnat => Color.Info,
        NatRuleKind.Snat => Color.Secondary,
        NatRuleKind.Masquerade => Color.Tertiary,
        NatRuleKind.OneToOne => Color.Primary,
        NatRuleKind.Nptv6 => Color.Success,
        NatRuleKind.Redirect => Color.Warning,
        NatRuleKind.LoadBalance => Color.Dark,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The classes MudChip renders for a kind's chip (filled, small, <see cref="ChipColor"/>): the Rules table
    /// renders its chips as plain elements.</summary>
    public static string ChipClass(NatRuleKind kind) => ChipClasses[kind];

    private static readonly IReadOnlyDictionary<NatRuleKind, string> ChipClasses = Enum.GetValues<NatRuleKind>()
        .ToDictionary(k => k, k => "mud-chip mud-chip-filled mud-chip-size-small mud-chip-color-" + ChipColor(k).ToString().ToLowerInvariant());

    /// <summary>Every kind in the order the UI offers them (<see cref="NatRuleJson.Kinds"/>).</summary>
    public static IEnumerable<NatRuleKind> All => NatRuleJson.Kinds.Select(k => k.Kind);
}
