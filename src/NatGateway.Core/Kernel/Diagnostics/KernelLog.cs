using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// The netfilter lines of the kernel log, read from /dev/kmsg (Documentation/ABI/testing/dev-kmsg, kernel/printk/printk.c
/// devkmsg_read). Opened O_RDONLY|O_NONBLOCK, each read() returns exactly one record
/// "PRIORITY,SEQUENCE,MICROSECONDS,FLAGS[,...];MESSAGE\n" followed by " KEY=VALUE\n" continuation (dictionary) lines;
/// EAGAIN means no more records; EPIPE means the ring buffer overwrote records since the last read (the next read
/// continues with the oldest record still there). Only records whose message starts with one of
/// <see cref="KeptPrefixes"/> are kept: the doctor reads conntrack pressure ("nf_conntrack: table full, dropping
/// packet", "nf_conntrack: expectation table full", helper and protocol notes from nf_ct_*), and the rest of the host's
/// log stays out of our answers and our database.
/// </summary>
public static partial class KernelLog
{
    /// <summary>Message prefixes kept. The conntrack core logs "nf_conntrack: table full, dropping packet" through
    /// net_warn_ratelimited in net/netfilter/nf_conntrack_core.c, whose pr_fmt adds the module name once more (hence
    /// "nf_conntrack: nf_conntrack: table full, dropping packet" in the log); nf_conntrack_expect.c logs
    /// "nf_conntrack: expectation table full"; helpers and protocol trackers log through nf_ct_helper_log and
    /// nf_l4proto_log_invalid as "nf_ct_NAME: ..." ("nf_ct_ftp: dropping packet", "nf_ct_proto_6: ...").</summary>
    public static readonly IReadOnlyList<string> KeptPrefixes = ["nf_conntrack: ", "nf_ct_"];

    /// <summary>Largest record devkmsg_read returns (CONSOLE_EXT_LOG_MAX = 8192); a smaller buffer gets EINVAL.</summary>
    private const int RecordBufferBytes = 8192;

    private const int EAGAIN = 11, EPIPE = 32, EINTR = 4;

    public static bool IsKept(string message) => KeptPrefixes.Any(p => message.StartsWith(p, StringComparison.Ordinal));

    /// <summary>Parses one record as read() returns it; null when it is not "prio,seq,usec,flags;message".</summary>
    public static KernelLogLine? ParseRecord(string record)
    {
        var semicolon = record.IndexOf(';');
        if (semicolon < 0) return null;
        var prefix = record[..semicolon].Split(',');
        if (prefix.Length < 3
            || !ulong.TryParse(prefix[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            || !ulong.TryParse(prefix[2], NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds))
            return null;
        var message = record[(semicolon + 1)..];
        var newline = message.IndexOf('\n');
        if (newline >= 0) message = message[..newline]; // continuation lines (" SUBSYSTEM=...") are metadata, not text
        return new KernelLogLine(sequence, microseconds, message);
    }

    /// <summary>One read() of the source: the record's length, or a negative errno.</summary>
    public delegate int RecordSource(byte[] buffer);

    /// <summary>Drains <paramref name="read"/> until EAGAIN, keeping netfilter records after <paramref name="afterSequence"/>.
    /// EPIPE (records lost to overwriting) and EINTR continue; another errno ends the read as unavailable.</summary>
    public static KernelLogRead Drain(RecordSource read, ulong afterSequence, int maxRecords = 1_000_000)
    {
        var buffer = new byte[RecordBufferBytes];
        var kept = new List<KernelLogLine>();
        var last = afterSequence;
        for (var n = 0; n < maxRecords; n++)
        {
            var length = read(buffer);
            if (length == -EAGAIN || length == 0) break;
            if (length == -EPIPE || length == -EINTR) continue;
            if (length < 0) return new KernelLogRead(kept, last, false, $"/dev/kmsg read: errno {-length}");
            if (ParseRecord(Encoding.UTF8.GetString(buffer, 0, length)) is not { } line) continue;
            if (line.Sequence <= afterSequence) continue;
            last = Math.Max(last, line.Sequence);
            if (IsKept(line.Message)) kept.Add(line);
        }
        return new KernelLogRead(kept, last, true, null);
    }

    /// <summary>Reads /dev/kmsg from its oldest record. Not permitted (dmesg_restrict for a non-root reader) or absent:
    /// <see cref="KernelLogRead.Available"/> is false with the reason.</summary>
    public static KernelLogRead Read(ulong afterSequence, string path = "/dev/kmsg")
    {
        var fd = Native.Open(path, Native.O_RDONLY | Native.O_NONBLOCK | Native.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return new KernelLogRead([], afterSequence, false, $"cannot open {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        try
        {
            return Drain(buffer =>
            {
                var n = Native.Read(fd, buffer, buffer.Length);
                return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
            }, afterSequence);
        }
        finally
        {
            Native.Close(fd);
        }
    }

    private static partial class Native
    {
        public const int O_RDONLY = 0, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
        public static partial nint Read(int fd, byte[] buffer, nint count);

        [LibraryImport("libc", EntryPoint = "close")]
        public static partial int Close(int fd);
    }
}
