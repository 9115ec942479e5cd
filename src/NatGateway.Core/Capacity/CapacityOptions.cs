namespace NatGateway.Core.Capacity;

/// <summary>How often the Now view samples the table (the boot-time files are the kernel side's: <see cref="Kernel.ISettingsPersistence"/>).</summary>
public sealed class CapacityOptions
{
    public TimeSpan NowInterval { get; set; } = TimeSpan.FromSeconds(5);
}
