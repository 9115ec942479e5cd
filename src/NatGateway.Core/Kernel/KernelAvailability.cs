namespace NatGateway.Core.Kernel;

/// <summary>Whether the kernel side (the agent) answers, and since when. Pages show a banner and the API answers 503
/// with <see cref="Reason"/> while it does not.</summary>
public interface IKernelAvailability
{
    bool IsAvailable { get; }

    /// <summary>Why the kernel is unreachable (null while available), e.g. "natgw agent at /run/natgw/agent.sock: connection refused".</summary>
    string? Reason { get; }

    /// <summary>When the current state began.</summary>
    DateTimeOffset Since { get; }

    /// <summary>Raised on every change between available and unavailable (on the thread that noticed it).</summary>
    event Action? Changed;
}

/// <summary>Single-process mode: the kernel is this process's own, always there.</summary>
public sealed class AlwaysAvailable : IKernelAvailability
{
    public static AlwaysAvailable Instance { get; } = new();

    public bool IsAvailable => true;
    public string? Reason => null;
    public DateTimeOffset Since { get; } = DateTimeOffset.UtcNow;

    public event Action? Changed { add { } remove { } }
}

/// <summary>The kernel side cannot be reached (agent down or restarting). An <see cref="IOException"/>, so the samplers' retry
/// loops treat it like any other I/O failure. Nothing was changed by the failed operation
/// unless the agent had already begun it (the revision journal covers that).</summary>
public sealed class KernelUnavailableException(string reason, Exception? inner = null)
    : IOException($"the kernel is unavailable: {reason}", inner)
{
    public string Reason { get; } = reason;
}
