using System.Runtime.InteropServices;

namespace NatGateway.Nftables.Interop;

/// <summary>
/// One libnftables context with buffered output and errors (the library equivalent of running <c>nft</c>).
/// The context's netlink socket belongs to the network namespace of the thread that created it.
/// Not thread-safe: one command at a time.
/// </summary>
public sealed class NftContext : IDisposable
{
    private readonly NftContextHandle _handle;
    private readonly Lock _lock = new();

    public NftContext()
    {
        _handle = NativeMethods.nft_ctx_new(NativeMethods.NftCtxDefault);
        if (_handle.IsInvalid) throw new InvalidOperationException("nft_ctx_new failed");
        if (NativeMethods.nft_ctx_buffer_output(_handle) != 0 || NativeMethods.nft_ctx_buffer_error(_handle) != 0)
            throw new InvalidOperationException("libnftables could not buffer output");
    }

    /// <summary>
    /// Runs commands (JSON <c>{"nftables":[...]}</c> or nft text) as one transaction, like <c>nft -f</c>
    /// (<c>nft -c -f</c> with <paramref name="dryRun"/>). Returns the output buffer; throws <see cref="NftablesException"/> with the error buffer.
    /// </summary>
    public string Run(string commands, NftOutputFlags flags = NftOutputFlags.None, bool dryRun = false)
    {
        lock (_lock)
        {
            NativeMethods.nft_ctx_output_set_flags(_handle, (uint)flags);
            NativeMethods.nft_ctx_set_dry_run(_handle, dryRun);
            var rc = NativeMethods.nft_run_cmd_from_buffer(_handle, commands);
            // Both buffers are reset by the library on every read: read both, always.
            var output = Marshal.PtrToStringUTF8(NativeMethods.nft_ctx_get_output_buffer(_handle)) ?? "";
            var error = Marshal.PtrToStringUTF8(NativeMethods.nft_ctx_get_error_buffer(_handle)) ?? "";
            if (rc != 0) throw new NftablesException("libnftables rejected the commands", error.Length > 0 ? error : "(no error text)");
            return output;
        }
    }

    public void Dispose() => _handle.Dispose();
}
