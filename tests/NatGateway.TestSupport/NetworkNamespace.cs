using System.Runtime.InteropServices;

namespace NatGateway.TestSupport;

/// <summary>
/// Runs managed code with the calling OS thread switched into a named network namespace
/// (<c>ip netns exec NAME</c> for a delegate). Sockets opened inside keep that namespace
/// after the thread exits, so a netlink socket or libnftables context can be created here
/// and used from anywhere.
/// </summary>
public static partial class NetworkNamespace
{
    private const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    public static T RunIn<T>(string name, Func<T> action)
    {
        T? result = default;
        Exception? error = null;
        // A dedicated thread that is never returned to the pool: after setns it belongs to the namespace.
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/var/run/netns/{name}", FileMode.Open, FileAccess.Read);
                if (setns((int)ns.DangerousGetHandle(), CLONE_NEWNET) != 0)
                    throw new InvalidOperationException($"setns({name}) failed: errno {Marshal.GetLastPInvokeError()}");
                result = action();
            }
            catch (Exception e) { error = e; }
        }) { IsBackground = true, Name = $"netns:{name}" };
        thread.Start();
        thread.Join();
        if (error is not null) throw new AggregateException($"action in namespace {name} failed", error);
        return result!;
    }

    public static void RunIn(string name, Action action) => RunIn(name, () => { action(); return 0; });
}
