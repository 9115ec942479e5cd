using Microsoft.Win32.SafeHandles;

namespace NatGateway.Nftables.Interop;

/// <summary>An nft_ctx*; released with nft_ctx_free exactly once.</summary>
internal sealed class NftContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public NftContextHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle()
    {
        NativeMethods.nft_ctx_free(handle);
        return true;
    }
}
