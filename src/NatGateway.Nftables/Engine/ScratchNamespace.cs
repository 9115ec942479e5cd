using System.Runtime.InteropServices;

namespace NatGateway.Nftables;

/// <summary>
/// Runs a delegate on a dedicated thread moved into a brand-new, empty network namespace (<c>unshare -n</c> for one thread).
/// The namespace disappears when the thread and the sockets made there are gone. Used to let the kernel itself render
/// and normalise a compiled ruleset without touching the real one. Needs CAP_SYS_ADMIN.
/// </summary>
public static partial class ScratchNamespace
{
    /// <summary>CLONE_NEWNET</summary>
    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unshare(int flags);

    public static T Run<T>(Func<T> action)
    {
        T? result = default;
        Exception? error = null;
        // Never a pool thread: after unshare this thread belongs to the scratch namespace for good.
        var thread = new Thread(() =>
        {
            try
            {
                if (unshare(CloneNewNet) != 0)
                    throw new InvalidOperationException($"unshare(CLONE_NEWNET) failed: errno {Marshal.GetLastPInvokeError()} (needs CAP_SYS_ADMIN)");
                result = action();
            }
            catch (Exception e) { error = e; }
        }) { IsBackground = true, Name = "nft scratch namespace" };
        thread.Start();
        thread.Join();
        if (error is not null) throw error is NftablesException ? error : new InvalidOperationException("scratch namespace work failed", error);
        return result!;
    }
}
