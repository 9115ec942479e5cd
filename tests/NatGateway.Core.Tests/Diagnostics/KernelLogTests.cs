using System.Text;
using NatGateway.Core.Kernel;
using NatGateway.Core.Kernel.Diagnostics;
using Xunit;

namespace NatGateway.Core.Tests.Diagnostics;

public sealed class KernelLogTests
{
    /// <summary>/dev/kmsg records as read() returns them, one per read (recorded shapes; the continuation lines are the
    /// " KEY=VALUE" dictionary a device message carries).</summary>
    private static readonly string[] Corpus =
    [
        "6,1201,5123456789,-;e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:19.0\n",
        "4,1202,5123500000,-;nf_conntrack: nf_conntrack: table full, dropping packet\n",
        "4,1203,5123500100,-;net_ratelimit: 112 callbacks suppressed\n",
        "4,1204,5123500200,-;nf_conntrack: expectation table full\n",
        "6,1205,5123600000,c;nf_ct_ftp: dropping packet\n SUBSYSTEM=net\n",
        "5,1206,5123700000,-;audit: type=1400 audit(1700000000.123:42): apparmor=\"DENIED\"\n",
        "not a record",
    ];

    [Fact]
    public void A_record_parses_into_sequence_time_and_the_first_line_of_text()
    {
        var line = KernelLog.ParseRecord(Corpus[0]);
        Assert.Equal(new KernelLogLine(1201, 5123456789, "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex"), line);
        Assert.Null(KernelLog.ParseRecord("garbage;text"));
        Assert.Null(KernelLog.ParseRecord(Corpus[^1]));
    }

    [Fact]
    public void Only_netfilter_lines_after_the_sequence_are_kept()
    {
        var read = KernelLog.Drain(Replay(Corpus), afterSequence: 0);
        Assert.True(read.Available);
        Assert.Equal([1202UL, 1204, 1205], read.Lines.Select(l => l.Sequence));
        Assert.Equal("nf_conntrack: nf_conntrack: table full, dropping packet", read.Lines[0].Message);
        Assert.Equal(1206UL, read.LastSequence); // the newest record read, kept or not: the next read starts after it

        var later = KernelLog.Drain(Replay(Corpus), afterSequence: 1204);
        Assert.Equal([1205UL], later.Lines.Select(l => l.Sequence));
    }

    [Fact]
    public void Overwritten_records_are_skipped_and_reading_continues()
    {
        // EPIPE: the ring buffer dropped records between two reads; the next read returns the oldest one still there.
        var read = KernelLog.Drain(Replay([Corpus[1], "-32", Corpus[3], "-4", Corpus[4]]), afterSequence: 0);
        Assert.True(read.Available);
        Assert.Equal([1202UL, 1204, 1205], read.Lines.Select(l => l.Sequence));
    }

    [Fact]
    public void Another_error_makes_the_log_unavailable_with_the_reason()
    {
        var read = KernelLog.Drain(Replay([Corpus[1], "-22"]), afterSequence: 0);
        Assert.False(read.Available);
        Assert.Contains("errno 22", read.Reason);
    }

    [Fact]
    public void A_log_that_cannot_be_opened_is_unavailable_not_an_exception()
    {
        var read = KernelLog.Read(7, "/nonexistent/kmsg");
        Assert.False(read.Available);
        Assert.Equal(7UL, read.LastSequence);
        Assert.Contains("/nonexistent/kmsg", read.Reason);
    }

    /// <summary>A source that returns each item once (a record, or "-errno"), then EAGAIN.</summary>
    private static KernelLog.RecordSource Replay(IEnumerable<string> items)
    {
        var queue = new Queue<string>(items);
        return buffer =>
        {
            if (!queue.TryDequeue(out var item)) return -11;
            if (item.StartsWith('-') && int.TryParse(item, out var errno)) return errno;
            return Encoding.UTF8.GetBytes(item, buffer);
        };
    }
}
