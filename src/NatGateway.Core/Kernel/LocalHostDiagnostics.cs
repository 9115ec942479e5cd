namespace NatGateway.Core.Kernel;

/// <summary>
/// <see cref="IHostDiagnostics"/> for the namespace this process runs in. Each fact has its own reader in
/// Kernel/Diagnostics (one file per source, parsers tested on recorded text).
/// </summary>
public sealed class LocalHostDiagnostics(string procNet = "/proc/net", string sysClassNet = "/sys/class/net") : IHostDiagnostics
{
    private static NotSupportedException NotBuilt(string what) => new($"{what}: not built yet (issue 13 foundation)");

    public IReadOnlyList<SoftnetCpu> ReadSoftnet() => throw NotBuilt("softnet_stat");

    public InterruptTable ReadInterrupts() => throw NotBuilt("interrupts");

    public IReadOnlyList<RpsQueue> ReadRps() => throw NotBuilt("rps_cpus");

    public IReadOnlyList<InterfaceOffloads> ReadOffloads() => throw NotBuilt("ethtool features");

    public void SetLro(string interfaceName, bool enabled) => throw NotBuilt("ethtool features set");

    public IReadOnlyList<RoutingRule> ListRoutingRules() => throw NotBuilt("routing rules");

    public KernelLogRead ReadKernelLog(ulong afterSequence) => throw NotBuilt("kmsg");

    public DropCapture CaptureDrops(TimeSpan duration) => Diagnostics.TracefsDropCapture.Run(duration);

    internal string ProcNet => procNet;
    internal string SysClassNet => sysClassNet;
}
