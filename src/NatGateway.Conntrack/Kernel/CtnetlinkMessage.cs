namespace NatGateway.Conntrack.Kernel;

/// <summary>ctnetlink message types (enum cntl_msg_types, linux/netfilter/nfnetlink_conntrack.h).</summary>
public enum CtnetlinkMessage : byte
{
    /// <summary>IPCTNL_MSG_CT_NEW</summary>
    New = 0,
    /// <summary>IPCTNL_MSG_CT_GET</summary>
    Get = 1,
    /// <summary>IPCTNL_MSG_CT_DELETE</summary>
    Delete = 2,
    /// <summary>IPCTNL_MSG_CT_GET_CTRZERO</summary>
    GetCountersZero = 3,
    /// <summary>IPCTNL_MSG_CT_GET_STATS_CPU</summary>
    GetStatsCpu = 4,
    /// <summary>IPCTNL_MSG_CT_GET_STATS</summary>
    GetStats = 5,
    /// <summary>IPCTNL_MSG_CT_GET_DYING</summary>
    GetDying = 6,
    /// <summary>IPCTNL_MSG_CT_GET_UNCONFIRMED</summary>
    GetUnconfirmed = 7,
}
