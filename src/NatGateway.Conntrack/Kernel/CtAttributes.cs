namespace NatGateway.Conntrack.Kernel;

/// <summary>Top-level conntrack attributes (enum ctattr_type).</summary>
public enum CtAttr : ushort
{
    /// <summary>CTA_TUPLE_ORIG</summary>
    TupleOrig = 1,
    /// <summary>CTA_TUPLE_REPLY</summary>
    TupleReply = 2,
    /// <summary>CTA_STATUS</summary>
    Status = 3,
    /// <summary>CTA_PROTOINFO</summary>
    ProtoInfo = 4,
    /// <summary>CTA_HELP</summary>
    Help = 5,
    /// <summary>CTA_NAT_SRC</summary>
    NatSrc = 6,
    /// <summary>CTA_TIMEOUT</summary>
    Timeout = 7,
    /// <summary>CTA_MARK</summary>
    Mark = 8,
    /// <summary>CTA_COUNTERS_ORIG</summary>
    CountersOrig = 9,
    /// <summary>CTA_COUNTERS_REPLY</summary>
    CountersReply = 10,
    /// <summary>CTA_USE</summary>
    Use = 11,
    /// <summary>CTA_ID</summary>
    Id = 12,
    /// <summary>CTA_NAT_DST</summary>
    NatDst = 13,
    /// <summary>CTA_TUPLE_MASTER</summary>
    TupleMaster = 14,
    /// <summary>CTA_SEQ_ADJ_ORIG</summary>
    SeqAdjOrig = 15,
    /// <summary>CTA_SEQ_ADJ_REPLY</summary>
    SeqAdjReply = 16,
    /// <summary>CTA_SECMARK</summary>
    Secmark = 17,
    /// <summary>CTA_ZONE</summary>
    Zone = 18,
    /// <summary>CTA_SECCTX</summary>
    Secctx = 19,
    /// <summary>CTA_TIMESTAMP</summary>
    Timestamp = 20,
    /// <summary>CTA_MARK_MASK</summary>
    MarkMask = 21,
    /// <summary>CTA_LABELS</summary>
    Labels = 22,
    /// <summary>CTA_LABELS_MASK</summary>
    LabelsMask = 23,
    /// <summary>CTA_SYNPROXY</summary>
    Synproxy = 24,
    /// <summary>CTA_FILTER (kernel 5.8+)</summary>
    Filter = 25,
    /// <summary>CTA_STATUS_MASK (kernel 6.1+)</summary>
    StatusMask = 26,
    /// <summary>CTA_TIMESTAMP_EVENT</summary>
    TimestampEvent = 27,
}

/// <summary>enum ctattr_tuple</summary>
public enum CtTupleAttr : ushort
{
    /// <summary>CTA_TUPLE_IP</summary>
    Ip = 1,
    /// <summary>CTA_TUPLE_PROTO</summary>
    Proto = 2,
    /// <summary>CTA_TUPLE_ZONE</summary>
    Zone = 3,
}

/// <summary>enum ctattr_ip</summary>
public enum CtIpAttr : ushort
{
    /// <summary>CTA_IP_V4_SRC</summary>
    V4Src = 1,
    /// <summary>CTA_IP_V4_DST</summary>
    V4Dst = 2,
    /// <summary>CTA_IP_V6_SRC</summary>
    V6Src = 3,
    /// <summary>CTA_IP_V6_DST</summary>
    V6Dst = 4,
}

/// <summary>enum ctattr_l4proto</summary>
public enum CtProtoAttr : ushort
{
    /// <summary>CTA_PROTO_NUM</summary>
    Num = 1,
    /// <summary>CTA_PROTO_SRC_PORT</summary>
    SrcPort = 2,
    /// <summary>CTA_PROTO_DST_PORT</summary>
    DstPort = 3,
    /// <summary>CTA_PROTO_ICMP_ID</summary>
    IcmpId = 4,
    /// <summary>CTA_PROTO_ICMP_TYPE</summary>
    IcmpType = 5,
    /// <summary>CTA_PROTO_ICMP_CODE</summary>
    IcmpCode = 6,
    /// <summary>CTA_PROTO_ICMPV6_ID</summary>
    IcmpV6Id = 7,
    /// <summary>CTA_PROTO_ICMPV6_TYPE</summary>
    IcmpV6Type = 8,
    /// <summary>CTA_PROTO_ICMPV6_CODE</summary>
    IcmpV6Code = 9,
}

/// <summary>enum ctattr_protoinfo</summary>
public enum CtProtoInfoAttr : ushort
{
    /// <summary>CTA_PROTOINFO_TCP</summary>
    Tcp = 1,
    /// <summary>CTA_PROTOINFO_DCCP</summary>
    Dccp = 2,
    /// <summary>CTA_PROTOINFO_SCTP</summary>
    Sctp = 3,
}

/// <summary>enum ctattr_protoinfo_tcp</summary>
public enum CtProtoInfoTcpAttr : ushort
{
    /// <summary>CTA_PROTOINFO_TCP_STATE</summary>
    State = 1,
    /// <summary>CTA_PROTOINFO_TCP_WSCALE_ORIGINAL</summary>
    WScaleOriginal = 2,
    /// <summary>CTA_PROTOINFO_TCP_WSCALE_REPLY</summary>
    WScaleReply = 3,
    /// <summary>CTA_PROTOINFO_TCP_FLAGS_ORIGINAL</summary>
    FlagsOriginal = 4,
    /// <summary>CTA_PROTOINFO_TCP_FLAGS_REPLY</summary>
    FlagsReply = 5,
}

/// <summary>enum ctattr_counters</summary>
public enum CtCountersAttr : ushort
{
    /// <summary>CTA_COUNTERS_PACKETS (u64)</summary>
    Packets = 1,
    /// <summary>CTA_COUNTERS_BYTES (u64)</summary>
    Bytes = 2,
    /// <summary>CTA_COUNTERS32_PACKETS (old kernels)</summary>
    Packets32 = 3,
    /// <summary>CTA_COUNTERS32_BYTES (old kernels)</summary>
    Bytes32 = 4,
}

/// <summary>enum ctattr_tstamp</summary>
public enum CtTimestampAttr : ushort
{
    /// <summary>CTA_TIMESTAMP_START</summary>
    Start = 1,
    /// <summary>CTA_TIMESTAMP_STOP</summary>
    Stop = 2,
}

/// <summary>enum ctattr_filter (kernel 5.8+)</summary>
public enum CtFilterAttr : ushort
{
    /// <summary>CTA_FILTER_ORIG_FLAGS</summary>
    OrigFlags = 1,
    /// <summary>CTA_FILTER_REPLY_FLAGS</summary>
    ReplyFlags = 2,
}

/// <summary>CTA_FILTER_FLAG_* bits: which tuple fields the kernel compares.</summary>
[Flags]
public enum CtFilterFlags : uint
{
    None = 0,
    /// <summary>CTA_FILTER_FLAG_CTA_IP_SRC</summary>
    IpSrc = 1 << 0,
    /// <summary>CTA_FILTER_FLAG_CTA_IP_DST</summary>
    IpDst = 1 << 1,
    /// <summary>CTA_FILTER_FLAG_CTA_TUPLE_ZONE</summary>
    TupleZone = 1 << 2,
    /// <summary>CTA_FILTER_FLAG_CTA_PROTO_NUM</summary>
    ProtoNum = 1 << 3,
    /// <summary>CTA_FILTER_FLAG_CTA_PROTO_SRC_PORT</summary>
    ProtoSrcPort = 1 << 4,
    /// <summary>CTA_FILTER_FLAG_CTA_PROTO_DST_PORT</summary>
    ProtoDstPort = 1 << 5,
    /// <summary>CTA_FILTER_FLAG_CTA_PROTO_ICMP_TYPE</summary>
    IcmpType = 1 << 6,
    /// <summary>CTA_FILTER_FLAG_CTA_PROTO_ICMP_CODE</summary>
    IcmpCode = 1 << 7,
    /// <summary>CTA_FILTER_FLAG_CTA_PROTO_ICMP_ID</summary>
    IcmpId = 1 << 8,
    /// <summary>CTA_FILTER_FLAG_CTA_PROTO_ICMPV6_TYPE</summary>
    IcmpV6Type = 1 << 9,
    /// <summary>CTA_FILTER_FLAG_CTA_PROTO_ICMPV6_CODE</summary>
    IcmpV6Code = 1 << 10,
    /// <summary>CTA_FILTER_FLAG_CTA_PROTO_ICMPV6_ID</summary>
    IcmpV6Id = 1 << 11,
}

/// <summary>enum ctattr_stats_cpu</summary>
public enum CtStatsCpuAttr : ushort
{
    /// <summary>CTA_STATS_SEARCHED (no longer used)</summary>
    Searched = 1,
    /// <summary>CTA_STATS_FOUND</summary>
    Found = 2,
    /// <summary>CTA_STATS_NEW (no longer used)</summary>
    New = 3,
    /// <summary>CTA_STATS_INVALID</summary>
    Invalid = 4,
    /// <summary>CTA_STATS_IGNORE (no longer used)</summary>
    Ignore = 5,
    /// <summary>CTA_STATS_DELETE (no longer used)</summary>
    Delete = 6,
    /// <summary>CTA_STATS_DELETE_LIST (no longer used)</summary>
    DeleteList = 7,
    /// <summary>CTA_STATS_INSERT</summary>
    Insert = 8,
    /// <summary>CTA_STATS_INSERT_FAILED</summary>
    InsertFailed = 9,
    /// <summary>CTA_STATS_DROP</summary>
    Drop = 10,
    /// <summary>CTA_STATS_EARLY_DROP</summary>
    EarlyDrop = 11,
    /// <summary>CTA_STATS_ERROR</summary>
    Error = 12,
    /// <summary>CTA_STATS_SEARCH_RESTART</summary>
    SearchRestart = 13,
    /// <summary>CTA_STATS_CLASH_RESOLVE</summary>
    ClashResolve = 14,
    /// <summary>CTA_STATS_CHAIN_TOOLONG</summary>
    ChainTooLong = 15,
}

/// <summary>enum ctattr_stats_global</summary>
public enum CtStatsGlobalAttr : ushort
{
    /// <summary>CTA_STATS_GLOBAL_ENTRIES</summary>
    Entries = 1,
    /// <summary>CTA_STATS_GLOBAL_MAX_ENTRIES</summary>
    MaxEntries = 2,
}
