namespace NatGateway.Nftables;

/// <summary>libnftables rejected a command; <see cref="NftError"/> is its error text (what <c>nft</c> prints on stderr).</summary>
public sealed class NftablesException(string message, string nftError) : Exception($"{message}: {nftError.Trim()}")
{
    public string NftError { get; } = nftError;
}
