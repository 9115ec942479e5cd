using System.Text.Json.Serialization;

namespace NatGateway.Data.Entities;

/// <summary>
/// What made a revision. Stored and sent (REST, History) by the kebab-case name of <see cref="RevisionNames"/>,
/// the same strings the column held before the enum.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<RevisionKind>))]
public enum RevisionKind
{
    /// <summary>The kernel state before NatGateway's first apply.</summary>
    [JsonStringEnumMemberName("baseline")] Baseline,
    /// <summary>The draft rule list applied (Rules page, POST /rules/apply).</summary>
    [JsonStringEnumMemberName("apply")] Apply,
    /// <summary>Forwarding / rp_filter change (Settings page, PUT /settings).</summary>
    [JsonStringEnumMemberName("settings")] Settings,
    /// <summary>Conntrack sizing / timeouts change (Capacity page, POST /capacity/apply).</summary>
    [JsonStringEnumMemberName("capacity")] Capacity,
    [JsonStringEnumMemberName("rollback")] Rollback,
    /// <summary>The revision in force put back (after drift).</summary>
    [JsonStringEnumMemberName("reapply")] Reapply,
    /// <summary>An unconfirmed change undone by the watchdog.</summary>
    [JsonStringEnumMemberName("auto-revert")] AutoRevert,
    /// <summary>Recovery re-applied the revision in force (at start, or when the kernel side came back).</summary>
    [JsonStringEnumMemberName("startup")] Startup,
    /// <summary>HA pair configuration change or "fail over now" (Cluster page, PUT /api/v1/cluster).</summary>
    [JsonStringEnumMemberName("cluster")] Cluster,
}

/// <summary>
/// The life of a revision. <see cref="Applying"/> is the journal entry written before the kernel is touched: one that
/// is still applying at start-up was interrupted by a crash.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<RevisionState>))]
public enum RevisionState
{
    [JsonStringEnumMemberName("applying")] Applying,
    [JsonStringEnumMemberName("applied")] Applied,
    [JsonStringEnumMemberName("pending-confirmation")] PendingConfirmation,
    [JsonStringEnumMemberName("reverted")] Reverted,
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>The process or the kernel agent stopped during the apply; recovery restores the revision in force before it.</summary>
    [JsonStringEnumMemberName("interrupted")] Interrupted,
}

/// <summary>The stored (and REST) names of <see cref="RevisionKind"/> and <see cref="RevisionState"/>.</summary>
public static class RevisionNames
{
    public static string Text(this RevisionKind kind) => kind switch
    {
        RevisionKind.Baseline => "baseline",
        RevisionKind.Apply => "apply",
        RevisionKind.Settings => "settings",
        RevisionKind.Capacity => "capacity",
        RevisionKind.Rollback => "rollback",
        RevisionKind.Reapply => "reapply",
        RevisionKind.AutoRevert => "auto-revert",
        RevisionKind.Startup => "startup",
        RevisionKind.Cluster => "cluster",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string Text(this RevisionState state) => state switch
    {
        RevisionState.Applying => "applying",
        RevisionState.Applied => "applied",
        RevisionState.PendingConfirmation => "pending-confirmation",
        RevisionState.Reverted => "reverted",
        RevisionState.Failed => "failed",
        RevisionState.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    private static readonly Dictionary<string, RevisionKind> Kinds = Enum.GetValues<RevisionKind>().ToDictionary(k => k.Text(), StringComparer.Ordinal);
    private static readonly Dictionary<string, RevisionState> States = Enum.GetValues<RevisionState>().ToDictionary(s => s.Text(), StringComparer.Ordinal);

    public static RevisionKind ParseKind(string text) =>
        Kinds.TryGetValue(text, out var kind) ? kind : throw new InvalidDataException($"unknown revision kind \"{text}\"");

    public static RevisionState ParseState(string text) =>
        States.TryGetValue(text, out var state) ? state : throw new InvalidDataException($"unknown revision state \"{text}\"");

    /// <summary>Whose content is (or was last known to be) in the kernel.</summary>
    public static bool IsInForce(this RevisionState state) => state is RevisionState.Applied or RevisionState.PendingConfirmation;
}
