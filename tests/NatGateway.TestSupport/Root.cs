using Xunit;

namespace NatGateway.TestSupport;

/// <summary>Kernel tests need root (CAP_NET_ADMIN, namespaces). They skip with a reason elsewhere; CI runs as root.</summary>
public static class Root
{
    public static bool IsRoot => Environment.UserName == "root" || geteuid() == 0;

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();

    public static string? SkipReason =>
        !OperatingSystem.IsLinux() ? "kernel tests need Linux" :
        !IsRoot ? "kernel tests need root (network namespaces, CAP_NET_ADMIN)" :
        !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "iproute2 (ip) is not installed" :
        null;

    public static void Require()
    {
        if (SkipReason is { } reason) throw new InvalidOperationException(reason);
    }
}

/// <summary>A fact that needs root and the kernel's network features; skipped with a clear reason otherwise.</summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        if (Root.SkipReason is { } reason) Skip = reason;
    }
}

/// <summary>A theory variant of <see cref="KernelFactAttribute"/>.</summary>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute()
    {
        if (Root.SkipReason is { } reason) Skip = reason;
    }
}
