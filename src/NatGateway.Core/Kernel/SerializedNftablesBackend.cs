using NatGateway.Nftables;

namespace NatGateway.Core.Kernel;

/// <summary>One libnftables context is not thread-safe: every caller (pages, API, monitors) goes through this lock.</summary>
public sealed class SerializedNftablesBackend(INftablesBackend inner) : INftablesBackend
{
    private readonly Lock _gate = new();

    public string Run(string commands, bool json, bool dryRun = false, bool stateless = false)
    {
        lock (_gate) return inner.Run(commands, json, dryRun, stateless);
    }

    public void CreateCtTimeoutObjects(string table, IReadOnlyList<NatGateway.Netlink.Netfilter.CtTimeoutObject> objects)
    {
        lock (_gate) inner.CreateCtTimeoutObjects(table, objects);
    }

    public void DeleteCtTimeoutObjects(string table, IReadOnlyList<string> names)
    {
        lock (_gate) inner.DeleteCtTimeoutObjects(table, names);
    }

    public uint? ReadGeneration()
    {
        lock (_gate) return inner.ReadGeneration();
    }
}
