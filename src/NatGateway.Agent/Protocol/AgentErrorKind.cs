namespace NatGateway.Agent.Protocol;

/// <summary>Why the agent did not do what was asked; the client turns each back into the exception the app handles.</summary>
public enum AgentErrorKind
{
    /// <summary>The request is malformed or not allowed (→ ArgumentException; <c>Field</c> names the argument).</summary>
    InvalidRequest = 1,
    /// <summary>libnftables refused (→ NftablesException with its error text).</summary>
    Nftables,
    /// <summary>A sysctl read or write failed (→ SysctlException with its SysctlFailure).</summary>
    Sysctl,
    /// <summary>ctnetlink answered an error (→ NetlinkException with errno and operation).</summary>
    Netlink,
    /// <summary>The kernel flagged a dump inconsistent (→ DumpInterruptedException: dump again).</summary>
    DumpInterrupted,
    /// <summary>The operation cannot run here (→ InvalidOperationException), e.g. no scratch namespace.</summary>
    Unsupported,
    /// <summary>The agent cannot serve now (→ KernelUnavailableException).</summary>
    Unavailable,
    /// <summary>The peer is neither root nor the web user (→ KernelUnavailableException).</summary>
    Refused,
    /// <summary>The client speaks another protocol version (→ KernelUnavailableException naming both).</summary>
    VersionMismatch,
    /// <summary>Anything else (→ IOException with the agent's message).</summary>
    Internal,
    /// <summary>The kernel lacks what the operation needs (→ NotSupportedException with the reason), e.g. tracefs or
    /// the skb:kfree_skb tracepoint for a drop capture.</summary>
    NotSupported,
    /// <summary>Live tracing cannot run (→ TraceUnavailableException with <c>TraceRefusal</c>: unavailable here, or busy).</summary>
    TraceUnavailable,
    /// <summary>keepalived or conntrackd refused or failed a step (→ ClusterServiceException with the daemon's words).</summary>
    ClusterService,
}
