using System.Runtime.InteropServices;

namespace NatGateway.Nftables.Interop;

/// <summary>
/// libnftables (Debian libnftables1 1.0.6). Output/error buffers returned by nft_ctx_get_*_buffer are owned by
/// the context: they are returned as nint, copied with Marshal.PtrToStringUTF8 and never freed here.
/// </summary>
internal static partial class NativeMethods
{
    private const string Library = "libnftables.so.1";

    /// <summary>NFT_CTX_DEFAULT</summary>
    public const uint NftCtxDefault = 0;

    [LibraryImport(Library)]
    public static partial NftContextHandle nft_ctx_new(uint flags);

    [LibraryImport(Library)]
    public static partial void nft_ctx_free(nint ctx);

    [LibraryImport(Library)]
    public static partial uint nft_ctx_output_get_flags(NftContextHandle ctx);

    [LibraryImport(Library)]
    public static partial void nft_ctx_output_set_flags(NftContextHandle ctx, uint flags);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool nft_ctx_get_dry_run(NftContextHandle ctx);

    [LibraryImport(Library)]
    public static partial void nft_ctx_set_dry_run(NftContextHandle ctx, [MarshalAs(UnmanagedType.U1)] bool dry);

    [LibraryImport(Library)]
    public static partial int nft_ctx_buffer_output(NftContextHandle ctx);

    [LibraryImport(Library)]
    public static partial int nft_ctx_buffer_error(NftContextHandle ctx);

    [LibraryImport(Library)]
    public static partial nint nft_ctx_get_output_buffer(NftContextHandle ctx);

    [LibraryImport(Library)]
    public static partial nint nft_ctx_get_error_buffer(NftContextHandle ctx);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int nft_run_cmd_from_buffer(NftContextHandle ctx, string buffer);
}
