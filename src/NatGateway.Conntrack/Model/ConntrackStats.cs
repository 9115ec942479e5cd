namespace NatGateway.Conntrack;

/// <summary>Per-CPU conntrack counters (IPCTNL_MSG_CT_GET_STATS_CPU; conntrack -S). insert_failed and drop
/// with a full table point at "table full, dropping packet"; clash_resolve/insert_failed at NAT port clashes.</summary>
public readonly record struct CpuStats(
    int Cpu,
    uint Found,
    uint Invalid,
    uint Insert,
    uint InsertFailed,
    uint Drop,
    uint EarlyDrop,
    uint Error,
    uint SearchRestart,
    uint ClashResolve,
    uint ChainTooLong);

/// <summary>Global table stats (IPCTNL_MSG_CT_GET_STATS; conntrack -C): entries in this namespace and
/// the global nf_conntrack_max.</summary>
public readonly record struct ConntrackTableStats(uint Entries, uint? MaxEntries);
