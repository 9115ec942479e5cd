using NatGateway.Core.Kernel;
using NatGateway.Netlink;

namespace NatGateway.Agent.Protocol;

/// <summary>An error answer: the kind and what the matching exception needs.</summary>
public sealed record AgentError
{
    public required AgentErrorKind Kind { get; init; }
    public required string Message { get; init; }

    /// <summary>InvalidRequest: the request field at fault ("rules[3].name", "key", "filter").</summary>
    public string? Field { get; init; }

    /// <summary>Nftables: libnftables' error text.</summary>
    public string? NftError { get; init; }

    /// <summary>Sysctl: the key (segments) and failure.</summary>
    public string[]? SysctlKey { get; init; }
    public SysctlFailure? SysctlFailure { get; init; }

    /// <summary>Netlink: errno, the operation that failed and the kernel's extended ack.</summary>
    public Errno? Errno { get; init; }
    public string? Operation { get; init; }
    public string? ExtendedAck { get; init; }

    /// <summary>TraceUnavailable: unavailable here, or another trace running.</summary>
    public NatGateway.Core.Tracing.TraceRefusal? TraceRefusal { get; init; }
}
