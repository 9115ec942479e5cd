using MudBlazor;

namespace NatGateway.Web.Components.Layout;

/// <summary>
/// MudBlazor's default palette with the status colours darkened so that white text on chips and buttons and
/// coloured text on white reach WCAG AA contrast (4.5:1; axe's color-contrast rule). The defaults (e.g. success
/// #00c853, warning #ff9800) are 2-4:1. Darken variants are set too: MudBlazor does not derive them from the base.
/// </summary>
public static class NatGatewayTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Secondary = "#c2185b", SecondaryDarken = "#9c1349", SecondaryLighten = "#e35d8f",
            Tertiary = "#00796b", TertiaryDarken = "#005f54", TertiaryLighten = "#26a69a",
            Info = "#1565c0", InfoDarken = "#0d47a1", InfoLighten = "#42a5f5",
            Success = "#2e7d32", SuccessDarken = "#1b5e20", SuccessLighten = "#66bb6a",
            Warning = "#a84300", WarningDarken = "#7f3300", WarningLighten = "#f57c00",
            Error = "#c62828", ErrorDarken = "#a31f1f", ErrorLighten = "#ef5350",
        },
    };
}
