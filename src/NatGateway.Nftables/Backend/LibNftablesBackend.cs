using NatGateway.Netlink;
using NatGateway.Netlink.Netfilter;
using NatGateway.Nftables.Interop;

namespace NatGateway.Nftables;

/// <summary>In-process libnftables backend. The namespace is that of the thread that constructs it.</summary>
public sealed class LibNftablesBackend : INftablesBackend, IDisposable
{
    private readonly NftContext _context = new();

    // Opened with the context, so it acts in the same namespace: the constructing thread's.
    private readonly NetlinkSocket _netfilter = NetlinkSocket.Open(NetlinkProtocol.Netfilter);

    public string Run(string commands, bool json, bool dryRun = false, bool stateless = false) =>
        _context.Run(commands, (json ? NftOutputFlags.Json : NftOutputFlags.None) | (stateless ? NftOutputFlags.Stateless : NftOutputFlags.None), dryRun);

    public void CreateCtTimeoutObjects(string table, IReadOnlyList<CtTimeoutObject> objects) =>
        NftCtTimeoutBackend.Create(_netfilter, table, objects);

    public void DeleteCtTimeoutObjects(string table, IReadOnlyList<string> names) =>
        NftCtTimeoutBackend.Delete(_netfilter, table, names);

    public uint? ReadGeneration()
    {
        try { return NftGeneration.Read(_netfilter); }
        catch (NetlinkException) { return null; }
    }

    public void Dispose()
    {
        _context.Dispose();
        _netfilter.Dispose();
    }
}

/// <summary>The netlink half shared by the backends: errors as <see cref="NftablesException"/>, like libnftables'.</summary>
internal static class NftCtTimeoutBackend
{
    public static void Create(INetlinkSocket socket, string table, IReadOnlyList<CtTimeoutObject> objects)
    {
        try
        {
            NftCtTimeoutObjects.Create(socket, NftCtTimeoutObjects.FamilyInet, table, objects);
        }
        catch (NetlinkException e)
        {
            throw new NftablesException("cannot create the conntrack timeout policies", e.Message);
        }
    }

    public static void Delete(INetlinkSocket socket, string table, IReadOnlyList<string> names)
    {
        try
        {
            NftCtTimeoutObjects.Delete(socket, NftCtTimeoutObjects.FamilyInet, table, names);
        }
        catch (NetlinkException e)
        {
            throw new NftablesException("cannot delete unused conntrack timeout policies", e.Message);
        }
    }
}
