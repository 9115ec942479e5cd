using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace NatGateway.Web.Components.Rules;

/// <summary>
/// The constant markup of the Rules table's row controls, as MudIconButton, MudCheckBox and MudSwitch render it (same
/// classes, so the theme and the focus rings of app.css apply): each piece is one markup frame in a render batch
/// instead of an element, its attributes and the icon's SVG paths.
/// </summary>
internal static class RowIcons
{
    private static readonly (string Id, string Paths)[] Symbols =
    [
        ("up", Icons.Material.Filled.ArrowUpward), ("down", Icons.Material.Filled.ArrowDownward),
        ("move-to", Icons.Material.Filled.LowPriority), ("edit", Icons.Material.Filled.Edit), ("delete", Icons.Material.Filled.Delete),
        ("box", Icons.Material.Filled.CheckBox), ("box-blank", Icons.Material.Filled.CheckBoxOutlineBlank),
    ];

    /// <summary>The icons' SVG paths, once per page: the rows' icons refer to them (<c>&lt;use href="#ngw-i-edit"&gt;</c>),
    /// so a row carries no paths.</summary>
    public static readonly MarkupString Sprite = new(
        "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\" focusable=\"false\">"
        + string.Concat(Symbols.Select(s => $"<symbol id=\"ngw-i-{s.Id}\" viewBox=\"0 0 24 24\">{s.Paths}</symbol>")) + "</svg>");

    public static readonly MarkupString Up = Button("up");
    public static readonly MarkupString Down = Button("down");
    public static readonly MarkupString MoveTo = Button("move-to");
    public static readonly MarkupString Edit = Button("edit");
    public static readonly MarkupString Delete = Button("delete");

    public static readonly MarkupString CheckBox = Box("box");
    public static readonly MarkupString CheckBoxBlank = Box("box-blank");

    public static readonly MarkupString SwitchThumb = new("<span class=\"mud-switch-thumb-small d-flex align-center justify-center\"></span>");
    public static readonly MarkupString SwitchTrackOn = new("<span class=\"mud-switch-track mud-primary\"></span>");
    public static readonly MarkupString SwitchTrackOff = new("<span class=\"mud-switch-track mud-default\"></span>");

    /// <summary>The switch base's classes: on or off, usable or disabled (MudSwitch, Color.Primary, Size.Small).</summary>
    public static string SwitchClass(bool on, bool enabled) => (on, enabled) switch
    {
        (true, true) => "mud-button-root mud-icon-button mud-switch-base mud-ripple mud-ripple-switch mud-primary-text hover:mud-primary-hover mud-checked mud-switch-base-small",
        (false, true) => "mud-button-root mud-icon-button mud-switch-base mud-ripple mud-ripple-switch mud-default-text hover:mud-default-hover mud-switch-base-small",
        (true, false) => "mud-button-root mud-icon-button mud-switch-base mud-switch-disabled mud-checked mud-switch-base-small",
        (false, false) => "mud-button-root mud-icon-button mud-switch-base mud-switch-disabled mud-switch-base-small",
    };

    private static MarkupString Button(string id) => new(
        $"<span class=\"mud-icon-button-label\"><svg class=\"mud-icon-root mud-svg-icon mud-inherit-text mud-icon-size-small\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><use href=\"#ngw-i-{id}\"/></svg></span>");

    private static MarkupString Box(string id) => new(
        $"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-small\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\"><use href=\"#ngw-i-{id}\"/></svg>");
}
