using NatGateway.Core.Settings;

namespace NatGateway.Core.Capacity;

/// <summary>A requested value that could not be written here, and why (not an error: the rest was applied).</summary>
/// <param name="Key">Dotted sysctl name.</param>
/// <param name="Requested">The value asked for.</param>
/// <param name="Current">The value in effect.</param>
/// <param name="Explanation">What to do instead.</param>
public sealed record ReadOnlySetting(string Key, string Requested, string? Current, string Explanation);

/// <summary>What an apply changed, what it could not change and where it persisted the values.</summary>
public sealed record CapacityApplyResult(
    IReadOnlyList<AppliedChange> Changes,
    IReadOnlyList<ReadOnlySetting> ReadOnly,
    string? SysctlFile,
    string? ModprobeFile);
