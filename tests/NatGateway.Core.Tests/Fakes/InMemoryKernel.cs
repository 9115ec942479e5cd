using System.Net;
using NatGateway.Core.Kernel;

namespace NatGateway.Core.Tests.Fakes;

/// <summary>An in-memory /proc/sys for pure-logic tests of the settings service and pages (the kernel tests use the real one).</summary>
public sealed class InMemorySysctl : ISysctl
{
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    public HashSet<string> ReadOnly { get; } = new(StringComparer.Ordinal);
    /// <summary>Keys whose next write fails as the kernel would with EINVAL.</summary>
    public HashSet<string> Rejecting { get; } = new(StringComparer.Ordinal);
    public List<(string Key, string Value)> Writes { get; } = new();

    public string Read(SysctlKey key) => TryRead(key) ?? throw new SysctlException(key, SysctlFailure.Missing, $"{key.Name} does not exist");

    public string? TryRead(SysctlKey key) => Values.GetValueOrDefault(key.Name);

    public void Write(SysctlKey key, string value)
    {
        if (!Values.ContainsKey(key.Name)) throw new SysctlException(key, SysctlFailure.Missing, $"{key.Name} does not exist");
        if (ReadOnly.Contains(key.Name)) throw new SysctlException(key, SysctlFailure.ReadOnly, $"{key.Name} is read-only here");
        if (Rejecting.Contains(key.Name)) throw new SysctlException(key, SysctlFailure.Rejected, $"the kernel rejected '{value}' for {key.Name}");
        Values[key.Name] = value;
        Writes.Add((key.Name, value));
    }

    public bool IsWritable(SysctlKey key) => Values.ContainsKey(key.Name) && !ReadOnly.Contains(key.Name);
}

public sealed class InMemoryKernel : IGatewayKernel
{
    private readonly InMemorySysctl _sysctl = new();

    public InMemoryKernel(params string[] interfaces)
    {
        _sysctl.Values["net.ipv4.ip_forward"] = "0";
        _sysctl.Values["net.ipv6.conf.all.forwarding"] = "0";
        _sysctl.Values["net.ipv4.conf.all.rp_filter"] = "0";
        _sysctl.Values["net.ipv4.conf.default.rp_filter"] = "1";
        var index = 1;
        foreach (var name in interfaces.Prepend("lo"))
        {
            _sysctl.Values[SysctlKey.RpFilter(name).Name] = "0";
            Interfaces.Add(new NetworkInterfaceInfo(name, index++, name == "lo" ? "unknown" : "up", true, name == "lo" ? 65536 : 1500, null,
                name == "lo" ? [new InterfaceAddress(IPAddress.Loopback, 8)] : [], new InterfaceCounters(1000UL * (ulong)index, 10UL * (ulong)index, 500, 5, 0, 0)));
        }
    }

    public InMemorySysctl Memory => _sysctl;
    public RecordingNftablesBackend RecordingNftables { get; } = new();
    public NatGateway.Nftables.INftablesBackend Nftables => RecordingNftables;
    public ISysctl Sysctl => _sysctl;
    public List<NetworkInterfaceInfo> Interfaces { get; } = new();
    public List<RouteInfo> Routes { get; } = new();

    public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces() => Interfaces;

    public NatGateway.Conntrack.ConntrackClient OpenConntrack() =>
        throw new NotSupportedException("the in-memory kernel has no conntrack table; kernel tests cover it");

    public NatGateway.Conntrack.ConntrackListener OpenConntrackListener(NatGateway.Conntrack.FlowEventGroups groups) =>
        throw new NotSupportedException("the in-memory kernel has no conntrack table; kernel tests cover it");

    public NatGateway.Conntrack.Mirror.IConntrackMirrorSource OpenConntrackMirrorSource() =>
        throw new NotSupportedException("the in-memory kernel has no conntrack table; kernel tests cover it");
    public IReadOnlyList<RouteInfo> ListRoutes() => Routes;
}

/// <summary>Records batches instead of running them; for page tests that must not need libnftables.</summary>
public sealed class RecordingNftablesBackend : NatGateway.Nftables.INftablesBackend
{
    public List<string> Batches { get; } = new();

    public string Run(string commands, bool json, bool dryRun = false, bool stateless = false)
    {
        if (!dryRun && !commands.Contains("\"list\"", StringComparison.Ordinal) && !commands.StartsWith("list ", StringComparison.Ordinal))
            Batches.Add(commands);
        return json ? """{"nftables": []}""" : "";
    }
}
