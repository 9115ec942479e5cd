namespace NatGateway.Core.Revisions;

/// <summary>
/// Crash-injection points for tests of apply's journal. With <c>NATGW_FAILPOINT=name</c> set, reaching that point
/// writes the name to <c>NATGW_FAILPOINT_MARKER</c> and blocks forever, so the test can kill -9 the process exactly
/// there. Unset (always, in production) it costs one string comparison.
/// </summary>
public static class Failpoints
{
    public const string AfterJournal = "after-journal";
    public const string AfterRules = "after-rules";
    public const string AfterSettings = "after-settings";
    public const string AfterCommit = "after-commit";

    public static readonly string[] All = [AfterJournal, AfterRules, AfterSettings, AfterCommit];

    private static readonly string? Armed = Environment.GetEnvironmentVariable("NATGW_FAILPOINT");

    public static void Hit(string name)
    {
        if (Armed != name) return;
        var marker = Environment.GetEnvironmentVariable("NATGW_FAILPOINT_MARKER");
        if (marker is not null) File.WriteAllText(marker, name);
        Thread.Sleep(Timeout.Infinite);
    }
}
