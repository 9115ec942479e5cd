using System.Runtime.InteropServices;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// Where tracefs is mounted, mounting it on /sys/kernel/tracing when it is nowhere (Debian does not mount it at boot;
/// systemd's sys-kernel-tracing.mount does on some systems). Held while a capture runs; the last holder unmounts it
/// again only when this process mounted it, no instance is left in it, and umount2(2) without MNT_FORCE agrees
/// (EBUSY when someone else has a file of it open). Mount and unmount are serialised within the process.
/// </summary>
public sealed class TracefsMount : IDisposable
{
    /// <summary>The documented mount point (Documentation/trace/ftrace.rst).</summary>
    public const string DefaultPath = "/sys/kernel/tracing";

    private static readonly Lock Gate = new();
    private static int _holders;
    private static string? _mountedByUs;
    private bool _disposed;

    private TracefsMount(string path) => Path = path;

    /// <summary>The tracefs root (has <c>instances/</c> and <c>events/</c>).</summary>
    public string Path { get; }

    /// <summary>True when this process mounted tracefs (and will unmount it when the last capture ends).</summary>
    public static bool MountedByThisProcess
    {
        get { lock (Gate) return _mountedByUs is not null; }
    }

    /// <summary>Finds or mounts tracefs; <see cref="NotSupportedException"/> saying why when neither works.</summary>
    public static TracefsMount Acquire()
    {
        lock (Gate)
        {
            var path = FindMounted(File.ReadAllText("/proc/self/mountinfo"));
            if (path is null)
            {
                if (!Directory.Exists(DefaultPath))
                    throw new NotSupportedException($"tracefs is not available: {DefaultPath} does not exist (a kernel without CONFIG_TRACING)");
                if (TracefsNative.Mount("nodev", DefaultPath, "tracefs", TracefsNative.MsNoSuid | TracefsNative.MsNoDev | TracefsNative.MsNoExec, 0) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    throw new NotSupportedException(errno == 19 /* ENODEV: no such filesystem type */
                        ? "tracefs is not available: the kernel has no tracefs (CONFIG_TRACING is off)"
                        : $"tracefs is not available: it is not mounted and mounting it on {DefaultPath} failed: " +
                          $"{Marshal.GetPInvokeErrorMessage(errno)} (needs CAP_SYS_ADMIN and the mount system call)");
                }
                _mountedByUs = DefaultPath;
                path = DefaultPath;
            }
            _holders++;
            return new TracefsMount(path);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (Gate)
        {
            if (--_holders > 0 || _mountedByUs is null) return;
            // Another tool's instance would outlive the unmount (tracefs has one superblock), but someone is using it.
            if (Directory.Exists(System.IO.Path.Combine(_mountedByUs, "instances"))
                && Directory.EnumerateFileSystemEntries(System.IO.Path.Combine(_mountedByUs, "instances")).Any()) return;
            if (TracefsNative.Umount2(_mountedByUs, 0) == 0 || Marshal.GetLastPInvokeError() != TracefsNative.EBusy)
                _mountedByUs = null;
        }
    }

    /// <summary>
    /// The tracefs mount point from /proc/self/mountinfo (proc(5): field 5 is the mount point, the filesystem type follows
    /// the " - " separator): /sys/kernel/tracing if tracefs is there, else any other (debugfs's automount at
    /// /sys/kernel/debug/tracing), else null.
    /// </summary>
    public static string? FindMounted(string mountinfo)
    {
        string? other = null;
        foreach (var raw in mountinfo.AsSpan().EnumerateLines())
        {
            var separator = raw.IndexOf(" - ");
            if (separator < 0 || !raw[(separator + 3)..].StartsWith("tracefs ")) continue;
            var fields = raw[..separator].ToString().Split(' ');
            if (fields.Length < 5) continue;
            // Spaces and the like are octal escapes in mountinfo ("\040").
            var point = System.Text.RegularExpressions.Regex.Unescape(fields[4]);
            if (point == DefaultPath) return point;
            other ??= point;
        }
        return other;
    }
}
