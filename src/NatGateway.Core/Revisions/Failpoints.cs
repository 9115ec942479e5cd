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

    /// <summary>In <c>natgw agent</c>: after our tables were replaced, before the answer is sent.</summary>
    public const string AgentAfterNftables = "agent-after-nftables";

    /// <summary>In <c>natgw agent</c>: after a sysctl was written, before the answer is sent.</summary>
    public const string AgentAfterSysctl = "agent-after-sysctl";

    private static readonly string? Armed = Environment.GetEnvironmentVariable("NATGW_FAILPOINT");

    /// <summary>
    /// With <c>NATGW_FAILPOINT_WHILE=file</c> too, the failpoint fires only while that file exists: a long-lived process
    /// (the agent, whose reconnect recovery re-applies the revision in force through the same step) passes it until the
    /// test arms it, right before the apply it wants to cut short.
    /// </summary>
    private static readonly string? ArmedWhile = Environment.GetEnvironmentVariable("NATGW_FAILPOINT_WHILE");

    public static void Hit(string name)
    {
        if (Armed != name) return;
        if (ArmedWhile is not null && !File.Exists(ArmedWhile)) return;
        var marker = Environment.GetEnvironmentVariable("NATGW_FAILPOINT_MARKER");
        if (marker is not null) File.WriteAllText(marker, name);
        Thread.Sleep(Timeout.Infinite);
    }
}
