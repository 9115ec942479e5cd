namespace NatGateway.Nftables.Interop;

/// <summary>libnftables output flags (enum nft_output_flags in nftables/libnftables.h).</summary>
[Flags]
public enum NftOutputFlags : uint
{
    None = 0,
    /// <summary>NFT_CTX_OUTPUT_REVERSEDNS</summary>
    ReverseDns = 1 << 0,
    /// <summary>NFT_CTX_OUTPUT_SERVICE</summary>
    Service = 1 << 1,
    /// <summary>NFT_CTX_OUTPUT_STATELESS: omit counter values (<c>nft -s</c>).</summary>
    Stateless = 1 << 2,
    /// <summary>NFT_CTX_OUTPUT_HANDLE: print handles (<c>nft -a</c>).</summary>
    Handle = 1 << 3,
    /// <summary>NFT_CTX_OUTPUT_JSON (<c>nft -j</c>).</summary>
    Json = 1 << 4,
    /// <summary>NFT_CTX_OUTPUT_ECHO (<c>nft -e</c>).</summary>
    Echo = 1 << 5,
}
