namespace NatGateway.Core.Cluster;

/// <summary>VRRP state of a node as keepalived reports it through the notify hook (<c>natgw ha notify</c>).</summary>
public enum VrrpState
{
    /// <summary>No notification seen since the services started.</summary>
    Unknown,
    Primary,
    Backup,
    Fault,
    /// <summary>keepalived is not running on this node.</summary>
    Stopped,
}

/// <summary>One VRRP state change: when, from what, to what, and why (keepalived's notify, a stop, a manual fail-over).</summary>
public sealed record VrrpTransition(DateTimeOffset At, VrrpState From, VrrpState To, string Reason);

/// <summary>conntrackd's own counters (<c>conntrackd -s</c>): how much state the sync carried and lost.</summary>
public sealed record ConntrackdStats(long EntriesInternalCache, long EntriesExternalCache, long MessagesSent,
    long MessagesReceived, long MessagesLost, long Resyncs);

/// <summary>What the privileged side knows about this node's cluster services right now.</summary>
public sealed record ClusterServicesStatus
{
    public required bool KeepalivedRunning { get; init; }
    public required bool ConntrackdRunning { get; init; }
    public required VrrpState State { get; init; }
    /// <summary>The last transition, or null when none was seen since the services started.</summary>
    public VrrpTransition? LastTransition { get; init; }
    /// <summary>Null when conntrackd does not answer (stopped, or its socket is not up yet).</summary>
    public ConntrackdStats? Sync { get; init; }
}
