namespace NatGateway.Core.Settings;

/// <summary>One key that an apply changed.</summary>
public sealed record AppliedChange(string Key, string? OldValue, string NewValue);

public sealed record SettingsApplyResult(IReadOnlyList<AppliedChange> Changes, string? PersistedTo, KernelSettingsView Current);
