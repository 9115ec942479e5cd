namespace NatGateway.Capacity.Model;

/// <summary>Kernel memory of one conntrack entry, broken down as the allocator sees it.</summary>
/// <param name="Extensions">The extension set the cost is for.</param>
/// <param name="ConntrackObjectSize">struct nf_conn object size in the nf_conntrack slab (objsize).</param>
/// <param name="ConntrackObjectBytes">Page memory per nf_conntrack object after slab packing.</param>
/// <param name="ExtensionUsedBytes">Header plus aligned extension structs (0 when none).</param>
/// <param name="ExtensionSizeClass">kmalloc class the extension area lands in (0 when none).</param>
/// <param name="ExtensionBytes">Page memory per extension object after slab packing.</param>
public sealed record EntryCost(
    ConntrackExtensions Extensions,
    int ConntrackObjectSize,
    double ConntrackObjectBytes,
    int ExtensionUsedBytes,
    long ExtensionSizeClass,
    double ExtensionBytes)
{
    public double TotalBytes => ConntrackObjectBytes + ExtensionBytes;
}
