using NatGateway.Core.Kernel;
using NatGateway.Netlink;
using NatGateway.Nftables;

namespace NatGateway.Agent.Protocol;

/// <summary>Exceptions ↔ <see cref="AgentError"/>: the agent describes what failed, the client throws what single-process
/// mode would have thrown, so callers handle both modes alike.</summary>
public static class AgentErrors
{
    /// <summary>The agent side: an exception of a kernel operation as an error answer.</summary>
    public static AgentError FromException(Exception e) => e switch
    {
        AgentRequestException r => new AgentError { Kind = AgentErrorKind.InvalidRequest, Message = r.Message, Field = r.Field },
        // The compiler's own checks (mark ids, set shapes) are part of validating the rule list.
        NatCompileException c => new AgentError { Kind = AgentErrorKind.InvalidRequest, Message = c.Message, Field = "rules" },
        NftablesException n => new AgentError { Kind = AgentErrorKind.Nftables, Message = n.Message, NftError = n.NftError },
        SysctlException s => new AgentError
        {
            Kind = AgentErrorKind.Sysctl, Message = s.Message, SysctlKey = s.Key.Segments.ToArray(), SysctlFailure = s.Failure,
        },
        NatGateway.Core.Tracing.TraceUnavailableException t => new AgentError { Kind = AgentErrorKind.TraceUnavailable, Message = t.Message, TraceRefusal = t.Refusal },
        ClusterServiceException c => new AgentError { Kind = AgentErrorKind.ClusterService, Message = c.Message },
        DumpInterruptedException d => new AgentError { Kind = AgentErrorKind.DumpInterrupted, Message = d.Message },
        NetlinkException n => new AgentError
        {
            Kind = AgentErrorKind.Netlink, Message = n.Message, Errno = n.Errno, Operation = n.Operation, ExtendedAck = n.ExtendedAckMessage,
        },
        ArgumentException a => new AgentError { Kind = AgentErrorKind.InvalidRequest, Message = a.Message, Field = a.ParamName },
        InvalidOperationException i => new AgentError { Kind = AgentErrorKind.Unsupported, Message = i.Message },
        NotSupportedException n => new AgentError { Kind = AgentErrorKind.NotSupported, Message = n.Message },
        _ => new AgentError { Kind = AgentErrorKind.Internal, Message = $"{e.GetType().Name}: {e.Message}" },
    };

    /// <summary>The client side: the exception to throw for an error answer.</summary>
    public static Exception ToException(AgentError error, string socketPath) => error.Kind switch
    {
        AgentErrorKind.InvalidRequest => new ArgumentException($"natgw agent refused the request: {error.Message}", error.Field),
        AgentErrorKind.Nftables => new NftablesException(StripNftError(error), error.NftError ?? ""),
        AgentErrorKind.Sysctl => new SysctlException(new SysctlKey(error.SysctlKey ?? []), error.SysctlFailure ?? SysctlFailure.Other, error.Message),
        AgentErrorKind.DumpInterrupted => new DumpInterruptedException(),
        AgentErrorKind.Netlink => new NetlinkException(error.Errno ?? 0, error.ExtendedAck, error.Operation),
        AgentErrorKind.Unsupported => new InvalidOperationException(error.Message),
        AgentErrorKind.NotSupported => new NotSupportedException(error.Message),
        AgentErrorKind.TraceUnavailable => new NatGateway.Core.Tracing.TraceUnavailableException(error.Message,
            error.TraceRefusal ?? NatGateway.Core.Tracing.TraceRefusal.Unavailable),
        AgentErrorKind.ClusterService => new ClusterServiceException(error.Message),
        AgentErrorKind.Unavailable or AgentErrorKind.Refused or AgentErrorKind.VersionMismatch =>
            new KernelUnavailableException($"natgw agent at {socketPath}: {error.Message}"),
        // Not an IOException: the connection is fine, only this operation failed inside the agent.
        _ => new InvalidOperationException($"natgw agent at {socketPath}: {error.Message}"),
    };

    /// <summary>NftablesException's message is "message: nftError"; send the pieces, rebuild the same text.</summary>
    private static string StripNftError(AgentError error)
    {
        var suffix = ": " + (error.NftError ?? "").Trim();
        return error.Message.EndsWith(suffix, StringComparison.Ordinal) ? error.Message[..^suffix.Length] : error.Message;
    }
}

/// <summary>A request the agent will not run; <see cref="Field"/> names the argument at fault.</summary>
public sealed class AgentRequestException(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;
}
