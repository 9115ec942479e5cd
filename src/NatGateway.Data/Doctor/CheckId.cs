namespace NatGateway.Core.Doctor;

// In the Data assembly (namespace kept with the rest of the doctor): the status history (Entities.DoctorStatusChange)
// stores it, and the DbContext and the migrations see only this assembly.

/// <summary>Every check the doctor runs. The text id (<see cref="CheckIds.Text"/>) is what the API, the CLI's
/// <c>--check</c>, the metrics label and the status history use.</summary>
public enum CheckId
{
    /// <summary>"nf_conntrack: table full, dropping packet" in the kernel log, drop/early_drop rates and fill.</summary>
    TableFull,
    /// <summary>insert_failed/clash_resolve rates and SNAT port use per translated address and destination.</summary>
    SnatPorts,
    /// <summary>Forwarding off in a family that has DNAT/SNAT/masquerade rules.</summary>
    ForwardingOff,
    /// <summary>Strict rp_filter with several default routes or policy routing.</summary>
    RpFilterStrict,
    /// <summary>LRO on an interface while forwarding is on.</summary>
    Lro,
    /// <summary>Different MTUs on one path, overlays without room for their overhead, a tunnel behind masquerade without MSS clamp.</summary>
    Mtu,
    /// <summary>Buckets far below max (long chains; chaintoolong rising).</summary>
    HashTable,
    /// <summary>Most entries held by one state's timeout (TIME_WAIT, UDP unreplied).</summary>
    Timeouts,
    /// <summary>softnet backlog drops and time_squeeze; all NIC interrupts on one CPU with RPS off.</summary>
    Softnet,
    /// <summary>Interface rx/tx drops and errors rising.</summary>
    InterfaceErrors,
    /// <summary>nf_conntrack_events=2 with a listener: the memory cost of event extensions.</summary>
    ConntrackEvents,
    /// <summary>HA pair: this node's VRRP state (FAULT) and keepalived/conntrackd running in cluster mode.</summary>
    VrrpState,
    /// <summary>HA pair: conntrackd's lost sync messages and the configuration sync's lag (peer unreachable, behind, diverged).</summary>
    ClusterSync,
    /// <summary>HA pair: both nodes VRRP primary (split brain).</summary>
    BothPrimary,
    /// <summary>HA pair: a masquerade rule in force in cluster mode.</summary>
    ClusterMasquerade,
    /// <summary>HA pair: the peer holds another revision than this node.</summary>
    PeerRevision,
}

/// <summary>The stable text ids of <see cref="CheckId"/> ("table-full", "snat-ports", ...).</summary>
public static class CheckIds
{
    public static string Text(CheckId id) => id switch
    {
        CheckId.TableFull => "table-full",
        CheckId.SnatPorts => "snat-ports",
        CheckId.ForwardingOff => "forwarding-off",
        CheckId.RpFilterStrict => "rp-filter-strict",
        CheckId.Lro => "lro",
        CheckId.Mtu => "mtu",
        CheckId.HashTable => "hash-table",
        CheckId.Timeouts => "timeouts",
        CheckId.Softnet => "softnet",
        CheckId.InterfaceErrors => "interface-errors",
        CheckId.ConntrackEvents => "conntrack-events",
        CheckId.VrrpState => "vrrp-state",
        CheckId.ClusterSync => "cluster-sync",
        CheckId.BothPrimary => "both-primary",
        CheckId.ClusterMasquerade => "cluster-masquerade",
        CheckId.PeerRevision => "peer-revision",
        _ => throw new ArgumentOutOfRangeException(nameof(id)),
    };

    public static bool TryParse(string? text, out CheckId id)
    {
        foreach (var candidate in Enum.GetValues<CheckId>())
            if (string.Equals(Text(candidate), text, StringComparison.OrdinalIgnoreCase) || string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                id = candidate;
                return true;
            }
        id = default;
        return false;
    }
}
