namespace NatGateway.Conntrack.Mirror;

/// <summary>Where the mirror is in its life.</summary>
public enum MirrorState
{
    /// <summary>Not started, or stopped.</summary>
    Stopped,
    /// <summary>Dumping the table (first sync or a resync); queries answer from the previous table.</summary>
    Synchronizing,
    /// <summary>Applying events as they arrive.</summary>
    Live,
    /// <summary>The source failed; the mirror retries after a delay. <see cref="MirrorStatus.LastError"/> says why.</summary>
    Retrying,
}

/// <summary>An observable snapshot of the mirror's health (for the page's gauge and <c>natgw conntrack stats</c>).</summary>
/// <param name="State">Stopped, synchronizing, live or retrying.</param>
/// <param name="Entries">Entries in the table readers see.</param>
/// <param name="LastResync">When the last dump was swapped in (null before the first).</param>
/// <param name="ResyncCount">Dumps swapped in, the first one included.</param>
/// <param name="EventsApplied">Events applied since start.</param>
/// <param name="EventsPerSecond">Events applied per second over the last second or so.</param>
/// <param name="EventsLostCount">Times the kernel dropped events (ENOBUFS), each followed by a resync.</param>
/// <param name="ExpiredResyncCount">Resyncs started because entries outlived their timeout without a DESTROY event.</param>
/// <param name="Lag">How far readers may be behind: while synchronizing, the time since the dump started; while live, the delay between receiving the last event and making it visible.</param>
/// <param name="LastResyncDuration">How long the last dump took to build and swap in.</param>
/// <param name="LastError">The last source failure, if any.</param>
public sealed record MirrorStatus(
    MirrorState State,
    int Entries,
    DateTimeOffset? LastResync,
    long ResyncCount,
    long EventsApplied,
    double EventsPerSecond,
    long EventsLostCount,
    long ExpiredResyncCount,
    TimeSpan Lag,
    TimeSpan LastResyncDuration,
    string? LastError);

/// <summary>Changes since the previous notification, batched (raised at most every <see cref="ConntrackMirrorOptions.ChangeNotificationInterval"/>).</summary>
/// <param name="created">NEW events applied (and UPDATEs of entries the mirror did not have).</param>
/// <param name="updated">UPDATE events applied.</param>
/// <param name="destroyed">DESTROY events that removed an entry.</param>
/// <param name="resynced">A dump replaced the whole table: reload everything.</param>
/// <param name="entries">Entries after the changes.</param>
/// <param name="version">The table version after the changes (pages carry the version they were read at).</param>
public sealed class MirrorChangedEventArgs(long created, long updated, long destroyed, bool resynced, int entries, long version) : EventArgs
{
    public long Created { get; } = created;
    public long Updated { get; } = updated;
    public long Destroyed { get; } = destroyed;
    public bool Resynced { get; } = resynced;
    public int Entries { get; } = entries;
    public long Version { get; } = version;

    public override string ToString() =>
        $"+{Created} ~{Updated} -{Destroyed}{(Resynced ? " resynced" : "")} entries={Entries} version={Version}";
}

public sealed record ConntrackMirrorOptions
{
    /// <summary>The shortest time between two <see cref="ConntrackMirror.Changed"/> notifications.</summary>
    public TimeSpan ChangeNotificationInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    /// <summary>Wait before reopening the source after it failed.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Dump attempts when the kernel reports the dump interrupted (NLM_F_DUMP_INTR).</summary>
    public int DumpAttempts { get; init; } = 3;
    /// <summary>
    /// How often to look for entries whose timeout ran out without a DESTROY event, and resync if there are any (null: never).
    /// Why: with <c>net.netfilter.nf_conntrack_events=2</c> (the default) entries created before the first listener carry no
    /// event extension and disappear silently; and timeout refreshes by traffic send no event, so mirrored timeouts drift.
    /// Setting <c>nf_conntrack_events=1</c> at boot avoids the first cause.
    /// </summary>
    public TimeSpan? ExpiredEntryCheckInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long past its timeout an entry may be before it counts as expired (the kernel's GC is lazy).</summary>
    public TimeSpan ExpiryGrace { get; init; } = TimeSpan.FromSeconds(5);
}
