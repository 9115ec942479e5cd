using System.Runtime.InteropServices;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>The few libc calls tracefs needs that .NET does not offer: mount/umount2, and a non-blocking read of
/// <c>trace_pipe</c> with poll(2) so a capture ends on time even when no event arrives.</summary>
internal static partial class TracefsNative
{
    private const string Libc = "libc";

    public const int ORdOnly = 0, OWrOnly = 1, ONonBlock = 0x800, OCloExec = 0x80000;
    public const short PollIn = 0x1;
    public const int EAgain = 11, EIntr = 4, EBusy = 16;
    public const ulong MsNoSuid = 2, MsNoDev = 4, MsNoExec = 8;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Libc, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string source, string target, string fsType, ulong flags, nint data);

    [LibraryImport(Libc, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    /// <summary>Writes a tracefs control file ("1" to <c>enable</c>, a size to <c>buffer_size_kb</c>) with one write(2),
    /// as <c>echo</c> does; tracefs answers a bad value with the write's errno, which this turns into an IOException.</summary>
    public static unsafe void WriteControl(string path, string value)
    {
        var fd = Open(path, OWrOnly | OCloExec);
        if (fd < 0) throw new IOException($"{path}: {Marshal.GetLastPInvokeErrorMessage()}");
        try
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(value + "\n");
            fixed (byte* p = bytes)
            {
                if (Write(fd, p, (nuint)bytes.Length) < 0)
                    throw new IOException($"writing {value} to {path}: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        finally
        {
            Close(fd);
        }
    }
}
