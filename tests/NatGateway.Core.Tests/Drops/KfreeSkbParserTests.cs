using NatGateway.Core.Kernel.Diagnostics;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Core.Tests.Drops;

/// <summary>
/// The kfree_skb format and trace_pipe lines, from a corpus recorded on this project's 6.18 kernel (Drops/Corpus: the
/// instance's events/skb/kfree_skb/format, and trace_pipe while a lab namespace sent to an nft drop rule, spoofed
/// sources against rp_filter=1, to a closed UDP port and to an address without a neighbour).
/// </summary>
public sealed class KfreeSkbParserTests
{
    private static string Corpus(string name) => File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "NatGateway.Core.Tests", "Drops", "Corpus", name));

    private static readonly KfreeSkbFormat Format = KfreeSkbFormat.Parse(Corpus("kfree_skb-6.18.format"));

    [Fact]
    public void The_format_gives_the_reason_table_of_the_running_kernel()
    {
        Assert.True(Format.HasReason);
        Assert.Equal(129, Format.Reasons.Count); // 2 (NOT_SPECIFIED) .. 130 (MAX) on 6.18
        Assert.Equal("NOT_SPECIFIED", Format.Reasons[2]);
        Assert.Equal("NETFILTER_DROP", Format.Reasons[12]);
        Assert.Equal("IP_RPFILTER", Format.Reasons[16]);
        Assert.Equal("NEIGH_FAILED", Format.Reasons[58]);
        Assert.Equal("QDISC_DROP", Format.Reasons[64]);
    }

    [Fact]
    public void A_kernel_without_the_reason_field_has_no_table()
    {
        // 5.10's kfree_skb: skbaddr, location, protocol only.
        const string old = "name: kfree_skb\nID: 1234\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n" +
            "\tfield:void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n\tfield:void * location;\toffset:16;\tsize:8;\tsigned:0;\n" +
            "\tfield:unsigned short protocol;\toffset:24;\tsize:2;\tsigned:0;\n\n" +
            "print fmt: \"skbaddr=%p protocol=%u location=%p\", REC->skbaddr, REC->protocol, REC->location\n";
        var format = KfreeSkbFormat.Parse(old);
        Assert.False(format.HasReason);
        Assert.Empty(format.Reasons);

        var counter = new KfreeSkbCounter(format, 10);
        counter.Add("  ping-1 [000] ..s1. 1.000000: kfree_skb: skbaddr=0000000012345678 protocol=2048 location=00000000deadbeef");
        var capture = counter.ToCapture(TimeSpan.FromSeconds(1), truncated: false);
        Assert.Equal(KfreeSkbCounter.NoReasonName, Assert.Single(capture.ByReason).Name);
        Assert.Equal("00000000deadbeef", Assert.Single(capture.ByLocation).Name);
    }

    [Fact]
    public void Text_that_is_not_a_format_file_is_refused() =>
        Assert.Throws<FormatException>(() => KfreeSkbFormat.Parse("skbaddr=1"));

    [Fact]
    public void The_recorded_corpus_counts_by_reason_and_by_symbol()
    {
        var counter = new KfreeSkbCounter(Format, TracefsDropCapture.MaxEvents);
        var text = Corpus("trace_pipe-6.18.txt");
        Assert.Equal(text.Length, counter.AddLines(text));

        var capture = counter.ToCapture(TimeSpan.FromSeconds(5), truncated: false);
        Assert.Equal(21, capture.Events);
        Assert.False(capture.Truncated);
        Assert.Equal(
            [("NOT_SPECIFIED", 13L), ("IP_RPFILTER", 3L), ("NETFILTER_DROP", 3L), ("NEIGH_FAILED", 1L), ("NO_SOCKET", 1L)],
            capture.ByReason.Select(c => (c.Name, c.Count)));
        Assert.Equal(
            [("ip6_mc_input", 12L), ("ip_rcv_finish_core", 3L), ("nft_do_chain", 3L), ("__udp4_lib_rcv", 1L), ("neigh_invalidate", 1L),
             ("virtio_transport_recv_pkt", 1L)],
            capture.ByLocation.Select(c => (c.Name, c.Count)));
    }

    [Theory]
    // The task name may hold spaces (".NET Tiered Com"), and the first field may be the location itself.
    [InlineData(" .NET Tiered Com-31522   [001] ..s.. 39894.522626: kfree_skb: skbaddr=00000000aa7e66a2 rx_sk=0000000000000000 protocol=34525 location=ip6_mc_input+0xd4/0x100 reason: NOT_SPECIFIED",
        "ip6_mc_input+0xd4/0x100", "NOT_SPECIFIED")]
    [InlineData("bash-1 [001] ..s1. 1.0: kfree_skb: location=nft_do_chain+0x46f/0x690 [nf_tables] reason: NETFILTER_DROP\r",
        "nft_do_chain+0x46f/0x690 [nf_tables]", "NETFILTER_DROP")]
    public void An_event_line_splits_into_location_and_reason(string line, string location, string reason)
    {
        Assert.Equal(TraceLineKind.Event, KfreeSkbCounter.Parse(line, out var l, out var r, out _));
        Assert.Equal(location, l.ToString());
        Assert.Equal(reason, r.ToString());
    }

    [Theory]
    [InlineData("nft_do_chain+0x46f/0x690 [nf_tables]", "nft_do_chain [nf_tables]")]
    [InlineData("ip_rcv_finish_core+0x260/0x470", "ip_rcv_finish_core")]
    [InlineData("0xffffffffc0a1b2c3", "0xffffffffc0a1b2c3")]
    public void A_location_is_counted_by_its_symbol(string location, string symbol) =>
        Assert.Equal(symbol, KfreeSkbCounter.SymbolOf(location));

    [Fact]
    public void A_lost_events_line_marks_the_capture_truncated()
    {
        var counter = new KfreeSkbCounter(Format, 100);
        // kernel/trace/trace.c print_trace_line: "CPU:%d [LOST %lu EVENTS]" after a ring buffer overrun.
        Assert.Equal(TraceLineKind.Lost, counter.Add("CPU:1 [LOST 42 EVENTS]"));
        Assert.Equal(TraceLineKind.Lost, counter.Add("CPU:0 [LOST EVENTS]"));
        Assert.Equal(TraceLineKind.Other, counter.Add("bash-1 [001] ..... 1.0: sched_switch: prev_comm=bash"));
        Assert.Equal(43, counter.Lost);
        Assert.True(counter.ToCapture(TimeSpan.FromSeconds(1), truncated: false).Truncated);
    }

    [Fact]
    public void A_number_outside_the_names_is_named_through_the_table_or_kept()
    {
        var counter = new KfreeSkbCounter(Format, 100);
        counter.Add("x-1 [000] ..s1. 1.0: kfree_skb: skbaddr=0 rx_sk=0 protocol=2048 location=f+0x1/0x2 reason: 0x10");
        counter.Add("x-1 [000] ..s1. 1.0: kfree_skb: skbaddr=0 rx_sk=0 protocol=2048 location=f+0x1/0x2 reason: 0x30001");
        var capture = counter.ToCapture(TimeSpan.FromSeconds(1), truncated: false);
        Assert.Equal(["0x30001", "IP_RPFILTER"], capture.ByReason.Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Counting_stops_at_the_event_limit_and_says_so()
    {
        var counter = new KfreeSkbCounter(Format, 5);
        var text = Corpus("trace_pipe-6.18.txt");
        counter.AddLines(text);
        Assert.True(counter.Full);
        var capture = counter.ToCapture(TimeSpan.FromSeconds(1), truncated: false);
        Assert.Equal(5, capture.Events);
        Assert.True(capture.Truncated);
    }

    [Fact]
    public void A_line_split_across_reads_is_counted_once_whole()
    {
        var counter = new KfreeSkbCounter(Format, 100);
        const string line = "bash-1 [001] ..s1. 1.0: kfree_skb: skbaddr=0 rx_sk=0 protocol=2048 location=nft_do_chain+0x46f/0x690 reason: NETFILTER_DROP\n";
        var first = line[..50];
        Assert.Equal(0, counter.AddLines(first));
        Assert.Equal(line.Length, counter.AddLines(line));
        Assert.Equal(1, counter.Events);
    }

    [Fact]
    public void Distinct_locations_are_capped()
    {
        var counter = new KfreeSkbCounter(Format, 100_000);
        for (var i = 0; i < KfreeSkbCounter.MaxNames + 10; i++)
            counter.Add($"x-1 [000] ..s1. 1.0: kfree_skb: skbaddr=0 rx_sk=0 protocol=0 location=f{i}+0x1/0x2 reason: NOT_SPECIFIED");
        var capture = counter.ToCapture(TimeSpan.FromSeconds(1), truncated: false);
        Assert.Equal(KfreeSkbCounter.MaxNames + 1, capture.ByLocation.Count);
        Assert.Equal(10, capture.ByLocation.Single(c => c.Name == KfreeSkbCounter.OtherName).Count);
    }

    [Fact]
    public void Tracefs_is_found_in_mountinfo()
    {
        const string both = "36 25 0:12 / /sys/kernel/debug/tracing rw,nosuid,nodev,noexec,relatime shared:15 - tracefs tracefs rw\n" +
                            "40 25 0:12 / /sys/kernel/tracing rw,nosuid,nodev,noexec,relatime shared:16 - tracefs nodev rw\n";
        Assert.Equal("/sys/kernel/tracing", TracefsMount.FindMounted(both));
        Assert.Equal("/sys/kernel/debug/tracing", TracefsMount.FindMounted(both.Split('\n')[0]));
        Assert.Null(TracefsMount.FindMounted("22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"));
    }
}
