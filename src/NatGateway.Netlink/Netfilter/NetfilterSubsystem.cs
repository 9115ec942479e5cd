namespace NatGateway.Netlink.Netfilter;

/// <summary>nfnetlink subsystems (linux/netfilter/nfnetlink.h); the high byte of nlmsg_type.</summary>
public enum NetfilterSubsystem : byte
{
    /// <summary>NFNL_SUBSYS_NONE</summary>
    None = 0,
    /// <summary>NFNL_SUBSYS_CTNETLINK</summary>
    Ctnetlink = 1,
    /// <summary>NFNL_SUBSYS_CTNETLINK_EXP</summary>
    CtnetlinkExpectation = 2,
    /// <summary>NFNL_SUBSYS_QUEUE</summary>
    Queue = 3,
    /// <summary>NFNL_SUBSYS_ULOG</summary>
    Ulog = 4,
    /// <summary>NFNL_SUBSYS_OSF</summary>
    Osf = 5,
    /// <summary>NFNL_SUBSYS_IPSET</summary>
    Ipset = 6,
    /// <summary>NFNL_SUBSYS_ACCT</summary>
    Acct = 7,
    /// <summary>NFNL_SUBSYS_CTNETLINK_TIMEOUT</summary>
    CtnetlinkTimeout = 8,
    /// <summary>NFNL_SUBSYS_CTHELPER</summary>
    CtHelper = 9,
    /// <summary>NFNL_SUBSYS_NFTABLES</summary>
    Nftables = 10,
    /// <summary>NFNL_SUBSYS_NFT_COMPAT</summary>
    NftCompat = 11,
}

/// <summary>nfnetlink multicast groups (enum nfnetlink_groups): ctnetlink events and nf_tables trace events.</summary>
public enum NetfilterGroup : uint
{
    /// <summary>NFNLGRP_CONNTRACK_NEW</summary>
    ConntrackNew = 1,
    /// <summary>NFNLGRP_CONNTRACK_UPDATE</summary>
    ConntrackUpdate = 2,
    /// <summary>NFNLGRP_CONNTRACK_DESTROY</summary>
    ConntrackDestroy = 3,
    /// <summary>NFNLGRP_CONNTRACK_EXP_NEW</summary>
    ConntrackExpectationNew = 4,
    /// <summary>NFNLGRP_CONNTRACK_EXP_UPDATE</summary>
    ConntrackExpectationUpdate = 5,
    /// <summary>NFNLGRP_CONNTRACK_EXP_DESTROY</summary>
    ConntrackExpectationDestroy = 6,
    /// <summary>NFNLGRP_NFTABLES (ruleset change notifications)</summary>
    Nftables = 7,
    /// <summary>NFNLGRP_ACCT_QUOTA</summary>
    AcctQuota = 8,
    /// <summary>NFNLGRP_NFTRACE: NFT_MSG_TRACE events for packets carrying nftrace (<c>nft monitor trace</c>).</summary>
    NfTrace = 9,
}

public static class NetfilterGroups
{
    /// <summary>The nl_groups bit for <paramref name="group"/> (bit g-1 for group g, as bind() takes it).</summary>
    public static uint Mask(NetfilterGroup group) => 1u << ((int)group - 1);
}
