using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// The modern dropwatch: counts <c>skb:kfree_skb</c> events (include/trace/events/skb.h; kfree_skb_reason() in
/// net/core/skbuff.c fires it for every packet freed as dropped, with an <c>enum skb_drop_reason</c> from
/// include/net/dropreason-core.h) by reason and by location, in a tracefs instance of our own: <c>mkdir
/// instances/natgw-&lt;pid&gt;-&lt;random&gt;</c> gives a ring buffer and event switches separate from the top level
/// and from any other tool (kernel/trace/trace.c, instance_mkdir), so nothing anyone else traces is touched, and the
/// rmdir in the finally takes all of it away again. The tracepoint is global: it sees the drops of every network
/// namespace.
/// </summary>
public static class TracefsDropCapture
{
    /// <summary>Events counted at most; past that the capture stops early and says it is truncated.</summary>
    public const long MaxEvents = 2_000_000;

    /// <summary>The instance's ring buffer per CPU (the default is 1.4 MB): a read every poll keeps up with far more
    /// than a NAT host drops; an overrun is reported ("[LOST n EVENTS]" → truncated), not hidden.</summary>
    public const int BufferSizeKb = 256;

    /// <summary>The prefix of our instances' names (<c>natgw-&lt;pid&gt;-&lt;hex&gt;</c>).</summary>
    public const string InstancePrefix = "natgw-";

    /// <summary>Longest wait in poll(2) between deadline checks.</summary>
    private const int PollMilliseconds = 200;

    public static DropCapture Run(TimeSpan duration) => Run(duration, MaxEvents, CancellationToken.None);

    /// <summary>Captures for <paramref name="duration"/> (or until <paramref name="maxEvents"/> events, or cancellation);
    /// throws <see cref="NotSupportedException"/> when tracefs or the tracepoint is missing.</summary>
    public static DropCapture Run(TimeSpan duration, long maxEvents, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        using var tracefs = TracefsMount.Acquire();
        if (!Directory.Exists(Path.Combine(tracefs.Path, "events", "skb", "kfree_skb")))
            throw new NotSupportedException("the kernel has no skb:kfree_skb tracepoint (events/skb/kfree_skb is missing in tracefs)");

        var instance = Path.Combine(tracefs.Path, "instances",
            $"{InstancePrefix}{Environment.ProcessId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}");
        Directory.CreateDirectory(instance);
        try
        {
            var eventDirectory = Path.Combine(instance, "events", "skb", "kfree_skb");
            var format = KfreeSkbFormat.Parse(File.ReadAllText(Path.Combine(eventDirectory, "format")));
            TracefsNative.WriteControl(Path.Combine(instance, "buffer_size_kb"), BufferSizeKb.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // poll(2) on trace_pipe waits for the buffer to be buffer_percent full (trace_poll → ring_buffer_poll_wait);
            // 0 wakes on the first event, so a quiet host's events are counted within one poll.
            var percent = Path.Combine(instance, "buffer_percent");
            if (File.Exists(percent)) TracefsNative.WriteControl(percent, "0");
            return Capture(instance, eventDirectory, format, duration, maxEvents, cancellationToken);
        }
        finally
        {
            RemoveInstance(instance);
        }
    }

    private static unsafe DropCapture Capture(string instance, string eventDirectory, KfreeSkbFormat format, TimeSpan duration,
        long maxEvents, CancellationToken cancellationToken)
    {
        var pipe = Path.Combine(instance, "trace_pipe");
        var fd = TracefsNative.Open(pipe, TracefsNative.ORdOnly | TracefsNative.ONonBlock | TracefsNative.OCloExec);
        if (fd < 0) throw new IOException($"{pipe}: {Marshal.GetLastPInvokeErrorMessage()}");
        var counter = new KfreeSkbCounter(format, maxEvents);
        var reader = new PipeReader(fd, counter);
        var enable = Path.Combine(eventDirectory, "enable");
        var stopwatch = Stopwatch.StartNew();
        try
        {
            TracefsNative.WriteControl(enable, "1");
            try
            {
                while (!counter.Full)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var remaining = duration - stopwatch.Elapsed;
                    if (remaining <= TimeSpan.Zero) break;
                    var poll = new TracefsNative.PollFd { Fd = fd, Events = TracefsNative.PollIn };
                    var ready = TracefsNative.Poll(&poll, 1, (int)Math.Clamp(Math.Ceiling(remaining.TotalMilliseconds), 1, PollMilliseconds));
                    if (ready < 0 && Marshal.GetLastPInvokeError() != TracefsNative.EIntr)
                        throw new IOException($"poll {pipe}: {Marshal.GetLastPInvokeErrorMessage()}");
                    // Read whether or not poll said so: a wake-up can be missed between polls, and a read that finds
                    // nothing costs one EAGAIN.
                    reader.ReadAvailable(stopwatch, duration);
                }
            }
            finally
            {
                TracefsNative.WriteControl(enable, "0");
            }
            var elapsed = stopwatch.Elapsed;
            // The events of the window that are still in the buffer: the event is off, so this ends.
            if (!counter.Full) reader.ReadAvailable(null, duration);
            return counter.ToCapture(elapsed < duration ? elapsed : duration, truncated: counter.Full);
        }
        finally
        {
            TracefsNative.Close(fd);
        }
    }

    /// <summary>The instance goes in every case (kernel/trace/trace.c instance_rmdir also turns its events off); it
    /// refuses (EBUSY) only while one of its files is open, and ours are closed by now.</summary>
    private static void RemoveInstance(string instance)
    {
        try
        {
            Directory.Delete(instance, recursive: false);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Reads trace_pipe without blocking, decoding UTF-8 (task names may carry any byte) into a reused buffer
    /// and handing whole lines to the counter; an unfinished line waits for the next read.</summary>
    private sealed unsafe class PipeReader(int fd, KfreeSkbCounter counter)
    {
        private const int ChunkBytes = 64 * 1024;
        private readonly byte[] _bytes = new byte[ChunkBytes];
        private readonly char[] _chars = new char[2 * ChunkBytes];
        private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
        private int _pending;

        /// <summary>Reads until the pipe is empty, the counter is full, or (with a stopwatch) the duration is over.</summary>
        public void ReadAvailable(Stopwatch? stopwatch, TimeSpan duration)
        {
            while (!counter.Full && (stopwatch is null || stopwatch.Elapsed < duration))
            {
                nint read;
                fixed (byte* p = _bytes) read = TracefsNative.Read(fd, p, ChunkBytes);
                if (read < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == TracefsNative.EIntr) continue;
                    if (errno == TracefsNative.EAgain) return;
                    throw new IOException($"reading trace_pipe: {Marshal.GetPInvokeErrorMessage(errno)}");
                }
                if (read == 0) return;
                // A line longer than the buffer (none is: an event line is ~200 characters) is dropped, not grown into.
                if (_pending > _chars.Length - ChunkBytes) _pending = 0;
                _pending += _decoder.GetChars(_bytes, 0, (int)read, _chars, _pending);
                var consumed = counter.AddLines(_chars.AsSpan(0, _pending));
                _chars.AsSpan(consumed, _pending - consumed).CopyTo(_chars);
                _pending -= consumed;
            }
        }
    }
}
