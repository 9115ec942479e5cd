namespace NatGateway.Web.Components.Conntrack;

/// <summary>Conntrack timeouts as an operator reads them: "4d 23h 58m", "3h 07m", "2m 05s", "45s" (the exact seconds go in a tooltip).</summary>
public static class DurationFormat
{
    public static string Seconds(uint seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        var days = (long)t.TotalDays;
        if (days > 0) return FormattableString.Invariant($"{days}d {t.Hours:00}h {t.Minutes:00}m");
        if (t.Hours > 0) return FormattableString.Invariant($"{t.Hours}h {t.Minutes:00}m");
        if (t.Minutes > 0) return FormattableString.Invariant($"{t.Minutes}m {t.Seconds:00}s");
        return FormattableString.Invariant($"{t.Seconds}s");
    }
}
