namespace NatGateway.Core.Kernel;

/// <summary>Reads and writes /proc/sys of the network namespace the process runs in (<c>sysctl -n KEY</c>, <c>sysctl -w KEY=VALUE</c>).</summary>
public interface ISysctl
{
    /// <summary>The current value, trimmed; throws <see cref="SysctlException"/> when missing or unreadable.</summary>
    string Read(SysctlKey key);

    /// <summary>The current value or null when the key does not exist.</summary>
    string? TryRead(SysctlKey key);

    /// <summary>Writes a value; throws <see cref="SysctlException"/> with <see cref="SysctlFailure"/> on failure.</summary>
    void Write(SysctlKey key, string value);

    /// <summary>True when the key exists and the process could write it (mode and mount permit it).</summary>
    bool IsWritable(SysctlKey key);
}
