using NatGateway.Netlink.Netfilter;

namespace NatGateway.Conntrack;

/// <summary>Event kinds (conntrack -E -e NEW,UPDATES,DESTROY); values are the nfnetlink groups.</summary>
public enum FlowEventType : byte
{
    /// <summary>NFNLGRP_CONNTRACK_NEW: IPCTNL_MSG_CT_NEW with NLM_F_CREATE</summary>
    New = (byte)NetfilterGroup.ConntrackNew,
    /// <summary>NFNLGRP_CONNTRACK_UPDATE: IPCTNL_MSG_CT_NEW without NLM_F_CREATE</summary>
    Update = (byte)NetfilterGroup.ConntrackUpdate,
    /// <summary>NFNLGRP_CONNTRACK_DESTROY: IPCTNL_MSG_CT_DELETE</summary>
    Destroy = (byte)NetfilterGroup.ConntrackDestroy,
}

/// <summary>Which event groups a <see cref="ConntrackListener"/> joins.</summary>
[Flags]
public enum FlowEventGroups : uint
{
    None = 0,
    New = 1u << (int)(NetfilterGroup.ConntrackNew - 1),
    Update = 1u << (int)(NetfilterGroup.ConntrackUpdate - 1),
    Destroy = 1u << (int)(NetfilterGroup.ConntrackDestroy - 1),
    All = New | Update | Destroy,
}

/// <summary>One event: the kind and the flow (updates and destroys carry only changed/known fields; see
/// <see cref="Flow.Present"/>).</summary>
public readonly record struct FlowEvent(FlowEventType Type, Flow Flow);

/// <summary>Receives one event without copying it.</summary>
public delegate void FlowEventHandler(in FlowEvent flowEvent);

/// <summary>Receives one dumped flow without copying it.</summary>
public delegate void FlowHandler(in Flow flow);

/// <summary>Receives one netlink datagram as the kernel sent it (the agent's relay).</summary>
public delegate void RawDatagramHandler(ReadOnlySpan<byte> datagram);
