using NatGateway.Core.Kernel.Diagnostics;

namespace NatGateway.Core.Kernel;

/// <summary>
/// <see cref="IHostDiagnostics"/> for the namespace this process runs in. Each fact has its own reader in
/// Kernel/Diagnostics (one file per source, parsers tested on recorded text). Netlink readers open their socket per call,
/// so they answer for the network namespace of the calling thread; file readers answer for the /proc and /sys given.
/// </summary>
public sealed class LocalHostDiagnostics(string procNet = "/proc/net", string sysClassNet = "/sys/class/net",
    NatGateway.Nftables.NatCompileOptions? compileOptions = null) : IHostDiagnostics
{
    public IReadOnlyList<SoftnetCpu> ReadSoftnet() => SoftnetStat.Read(procNet);

    public InterruptTable ReadInterrupts() => ProcInterrupts.Read(procNet);

    public IReadOnlyList<RpsQueue> ReadRps() => RpsMasks.Read(sysClassNet);

    public IReadOnlyList<InterfaceOffloads> ReadOffloads() => Offloads.Read();

    public void SetLro(string interfaceName, bool enabled) => Offloads.SetLro(interfaceName, enabled);

    public IReadOnlyList<RoutingRule> ListRoutingRules() => RoutingRules.Read();

    public IReadOnlyList<ForeignForwardChain> ListForeignForwardChains() =>
        ForeignForwardChains.Read(compileOptions ?? new NatGateway.Nftables.NatCompileOptions());

    public KernelLogRead ReadKernelLog(ulong afterSequence) => KernelLog.Read(afterSequence);

    public DropCapture CaptureDrops(TimeSpan duration) => Diagnostics.TracefsDropCapture.Run(duration);

    internal string ProcNet => procNet;
    internal string SysClassNet => sysClassNet;
}
