namespace NatGateway.Netlink;

/// <summary>The kernel answered a request with NLMSG_ERROR (or a socket call failed).
/// Carries the errno, the operation that failed (mdlayher/netlink's OpError: "errors carry the operation") and,
/// when the kernel supports NETLINK_EXT_ACK, its explanation.</summary>
public class NetlinkException : Exception
{
    public NetlinkException(Errno errno, string? extendedAckMessage = null, string? context = null)
        : base(Describe(errno, extendedAckMessage, context))
    {
        Errno = errno;
        ExtendedAckMessage = extendedAckMessage;
        Operation = context;
    }

    protected NetlinkException(string message, Errno errno, string? operation = null) : base(message)
    {
        Errno = errno;
        Operation = operation;
    }

    /// <summary>What was being done, e.g. "conntrack delete" or "netlink receive"; null when not given.
    /// Free text rather than an enum: each client names its own operations, as conntrack(8) does in its errors.</summary>
    public string? Operation { get; }

    /// <summary>The positive errno value (the kernel sends it negated).</summary>
    public Errno Errno { get; }

    /// <summary>The errno's C name, e.g. "ENOENT", or "errno 123" when unknown to <see cref="Netlink.Errno"/>.</summary>
    public string ErrnoName => Enum.IsDefined(Errno) ? Errno.ToString() : $"errno {(int)Errno}";

    /// <summary>NLMSGERR_ATTR_MSG text, if the kernel gave one.</summary>
    public string? ExtendedAckMessage { get; }

    private static string Describe(Errno errno, string? ext, string? context)
    {
        var name = Enum.IsDefined(errno) ? errno.ToString() : $"errno {(int)errno}";
        var text = $"netlink error {name} ({(int)errno})";
        if (context is not null) text = $"{context}: {text}";
        if (!string.IsNullOrEmpty(ext)) text += $": {ext}";
        return text;
    }
}

/// <summary>A dump carried NLM_F_DUMP_INTR: the table changed while it was walked and the result may be
/// inconsistent. Retry the whole dump.</summary>
public sealed class DumpInterruptedException : NetlinkException
{
    public DumpInterruptedException() : base("netlink dump interrupted (NLM_F_DUMP_INTR); retry the dump", Errno.EAGAIN, "netlink dump") { }
}

/// <summary>A message or attribute did not parse: truncated, lying length, or unexpected shape.</summary>
public sealed class NetlinkParseException : Exception
{
    public NetlinkParseException(string message) : base(message) { }
}
