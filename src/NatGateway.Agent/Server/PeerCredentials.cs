using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NatGateway.Agent.Server;

/// <summary>Who is at the other end of a Unix socket, as the kernel recorded it at connect (SO_PEERCRED, unix(7)):
/// unforgeable by the peer, unlike anything it could send.</summary>
public readonly partial record struct PeerCredentials(int ProcessId, uint UserId, uint GroupId)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    public static PeerCredentials Of(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        var length = ucred.Length;
        if (Native.GetSockOpt((int)socket.Handle, SolSocket, SoPeerCred, ref MemoryMarshal.GetReference(ucred), ref length) != 0)
            throw new IOException($"getsockopt(SO_PEERCRED) failed: errno {Marshal.GetLastPInvokeError()}");
        return new PeerCredentials(
            BitConverter.ToInt32(ucred[..4]), BitConverter.ToUInt32(ucred[4..8]), BitConverter.ToUInt32(ucred[8..12]));
    }

    /// <summary>A user name (getpwnam(3)) or a decimal uid: its uid and, for a name, its primary group.</summary>
    public static (uint Uid, uint? Gid) ResolveUser(string nameOrUid)
    {
        if (uint.TryParse(nameOrUid, out var uid)) return (uid, null);
        var entry = Native.GetPwNam(nameOrUid);
        if (entry == 0) throw new ArgumentException($"no such user: {nameOrUid}", nameof(nameOrUid));
        // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; ... } on 64-bit glibc.
        var passwordUid = Marshal.ReadInt32(entry, 2 * IntPtr.Size);
        var passwordGid = Marshal.ReadInt32(entry, 2 * IntPtr.Size + 4);
        return ((uint)passwordUid, (uint)passwordGid);
    }

    internal static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
        internal static partial int GetSockOpt(int fd, int level, int name, ref byte value, ref int length);

        [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial nint GetPwNam(string name);

        [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int Chown(string path, uint owner, uint group);
    }
}
