using NatGateway.Core.Kernel;

namespace NatGateway.Core.Settings;

/// <summary>An apply that failed part-way: the keys already written were restored, so nothing changed.</summary>
public sealed class SettingsApplyException(string field, SysctlException cause)
    : Exception($"{cause.Message}. No setting was changed.", cause)
{
    /// <summary>The API field the failing key belongs to, e.g. <c>rpFilter.interfaces.eth0</c>.</summary>
    public string Field { get; } = field;
    public SysctlFailure Failure { get; } = cause.Failure;
}
