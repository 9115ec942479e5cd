namespace NatGateway.Core.Kernel;

public enum SysctlFailure
{
    /// <summary>The key does not exist in this kernel or namespace (ENOENT).</summary>
    Missing,
    /// <summary>The key exists but cannot be written here (EACCES/EPERM/EROFS), e.g. a global key inside a non-initial namespace.</summary>
    ReadOnly,
    /// <summary>The kernel refused the value (EINVAL).</summary>
    Rejected,
    Other,
}

/// <summary>A sysctl read or write that failed, with a message an operator can act on.</summary>
public sealed class SysctlException(SysctlKey key, SysctlFailure failure, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public SysctlKey Key { get; } = key;
    public SysctlFailure Failure { get; } = failure;
}
