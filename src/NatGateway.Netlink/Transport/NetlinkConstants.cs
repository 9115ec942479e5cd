namespace NatGateway.Netlink;

/// <summary>Netlink protocol numbers (linux/netlink.h).</summary>
public enum NetlinkProtocol
{
    /// <summary>NETLINK_ROUTE</summary>
    Route = 0,
    /// <summary>NETLINK_NETFILTER</summary>
    Netfilter = 12,
    /// <summary>NETLINK_GENERIC (generic netlink: families such as "ethtool" resolved by name)</summary>
    Generic = 16,
}

/// <summary>Reserved message types (linux/netlink.h).</summary>
public enum NetlinkMessageType : ushort
{
    /// <summary>NLMSG_NOOP</summary>
    Noop = 1,
    /// <summary>NLMSG_ERROR (also an ACK when the error is 0)</summary>
    Error = 2,
    /// <summary>NLMSG_DONE: end of a multipart dump</summary>
    Done = 3,
    /// <summary>NLMSG_OVERRUN</summary>
    Overrun = 4,
    /// <summary>NLMSG_MIN_TYPE: first type a family may use</summary>
    MinType = 0x10,
}

/// <summary>nlmsg_flags bits (linux/netlink.h). GET, NEW and ACK modifiers share bit positions.</summary>
[Flags]
public enum NetlinkMessageFlags : ushort
{
    None = 0,
    /// <summary>NLM_F_REQUEST</summary>
    Request = 0x1,
    /// <summary>NLM_F_MULTI</summary>
    Multi = 0x2,
    /// <summary>NLM_F_ACK</summary>
    Ack = 0x4,
    /// <summary>NLM_F_ECHO</summary>
    Echo = 0x8,
    /// <summary>NLM_F_DUMP_INTR: the dump was interrupted by a change and is inconsistent</summary>
    DumpInterrupted = 0x10,
    /// <summary>NLM_F_DUMP_FILTERED</summary>
    DumpFiltered = 0x20,
    /// <summary>NLM_F_ROOT (GET)</summary>
    Root = 0x100,
    /// <summary>NLM_F_MATCH (GET)</summary>
    Match = 0x200,
    /// <summary>NLM_F_ATOMIC (GET)</summary>
    Atomic = 0x400,
    /// <summary>NLM_F_DUMP = NLM_F_ROOT|NLM_F_MATCH</summary>
    Dump = Root | Match,
    /// <summary>NLM_F_REPLACE (NEW)</summary>
    Replace = 0x100,
    /// <summary>NLM_F_EXCL (NEW)</summary>
    Excl = 0x200,
    /// <summary>NLM_F_CREATE (NEW)</summary>
    Create = 0x400,
    /// <summary>NLM_F_APPEND (NEW)</summary>
    Append = 0x800,
    /// <summary>NLM_F_CAPPED (ACK): the echoed request was trimmed to its header</summary>
    Capped = 0x100,
    /// <summary>NLM_F_ACK_TLVS (ACK): extended-ack attributes follow</summary>
    AckTlvs = 0x200,
}

/// <summary>SOL_NETLINK socket options (linux/netlink.h).</summary>
public enum NetlinkSocketOption
{
    /// <summary>NETLINK_ADD_MEMBERSHIP</summary>
    AddMembership = 1,
    /// <summary>NETLINK_DROP_MEMBERSHIP</summary>
    DropMembership = 2,
    /// <summary>NETLINK_BROADCAST_ERROR</summary>
    BroadcastError = 4,
    /// <summary>NETLINK_NO_ENOBUFS</summary>
    NoEnobufs = 5,
    /// <summary>NETLINK_CAP_ACK: do not echo the whole request in an ACK/error</summary>
    CapAck = 10,
    /// <summary>NETLINK_EXT_ACK: extended ACK with an error message</summary>
    ExtAck = 11,
    /// <summary>NETLINK_GET_STRICT_CHK</summary>
    GetStrictCheck = 12,
}

/// <summary>Extended-ack attributes in an NLMSG_ERROR (enum nlmsgerr_attrs).</summary>
public enum NetlinkErrorAttribute : ushort
{
    /// <summary>NLMSGERR_ATTR_MSG: NUL-terminated message</summary>
    Message = 1,
    /// <summary>NLMSGERR_ATTR_OFFS: offset of the invalid attribute in the request</summary>
    Offset = 2,
    /// <summary>NLMSGERR_ATTR_COOKIE</summary>
    Cookie = 3,
}
