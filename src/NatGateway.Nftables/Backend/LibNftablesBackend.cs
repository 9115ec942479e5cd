using NatGateway.Nftables.Interop;

namespace NatGateway.Nftables;

/// <summary>In-process libnftables backend. The namespace is that of the thread that constructs it.</summary>
public sealed class LibNftablesBackend : INftablesBackend, IDisposable
{
    private readonly NftContext _context = new();

    public string Run(string commands, bool json, bool dryRun = false, bool stateless = false) =>
        _context.Run(commands, (json ? NftOutputFlags.Json : NftOutputFlags.None) | (stateless ? NftOutputFlags.Stateless : NftOutputFlags.None), dryRun);

    public void Dispose() => _context.Dispose();
}
