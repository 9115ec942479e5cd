using NatGateway.Core.Doctor;
using NatGateway.Core.Doctor.Checks;
using NatGateway.Core.Kernel;
using Xunit;

namespace NatGateway.Core.Tests.Doctor;

/// <summary>The conntrack-area checks (table full, hash table, timeouts, events) on hand-made snapshots.</summary>
public sealed class ConntrackChecksTests
{
    private static readonly TableFullCheck TableFull = new();
    private static readonly HashTableCheck Hash = new();
    private static readonly TimeoutsCheck Timeouts = new();
    private static readonly ConntrackEventsCheck Events = new();

    private static KernelLogLine Full(ulong seq) => new(seq, seq * 1_000_000, "nf_conntrack: nf_conntrack: table full, dropping packet");

    [Fact]
    public void Table_full_is_not_applicable_without_conntrack_ok_with_room_warning_at_80_percent_critical_with_log_lines_in_the_interval()
    {
        Assert.Equal(CheckStatus.NotApplicable, TableFull.Evaluate(Snap.Empty()).Status);

        var roomy = Snap.Empty() with { Conntrack = Snap.Known(Snap.Conntrack(1000, 262144)), CpuStats = Snap.Known(Snap.Cpu()) };
        var ok = TableFull.Evaluate(roomy.Then(s => s));
        Assert.Equal(CheckStatus.Ok, ok.Status);
        Assert.Equal("1,000 / 262,144 (0.4%)", ok.Find("entries / nf_conntrack_max").Value);
        Assert.Empty(ok.Fixes);

        var filling = TableFull.Evaluate(roomy.Then(s => s with { Conntrack = Snap.Known(Snap.Conntrack(220_000, 262144)) }));
        Assert.Equal(CheckStatus.Warning, filling.Status);
        Assert.Contains("83.9%", filling.Summary);
        var fix = Assert.Single(filling.Fixes);
        Assert.Equal(FixKind.SizeWithPlanner, fix.Kind);
        Assert.Equal(440_000, fix.Target.Value); // twice the peak
        Assert.Equal(440_320, fix.Target.Buckets); // rounded up to whole pages of heads (512 per 4 KiB page)

        // The log line appears between the samples and drop counts: critical, with the line rate as evidence.
        var before = roomy with
        {
            Conntrack = Snap.Known(Snap.Conntrack(262_144, 262144)),
            KernelLog = Snap.Known<IReadOnlyList<KernelLogLine>>([Full(1)], "/dev/kmsg"),
        };
        var full = TableFull.Evaluate(before.Then(s => s with
        {
            KernelLog = Snap.Known<IReadOnlyList<KernelLogLine>>([Full(1), Full(2), Full(3)], "/dev/kmsg"),
            CpuStats = Snap.Known(Snap.Cpu(drop: 50)),
        }));
        Assert.Equal(CheckStatus.Critical, full.Status);
        Assert.Equal("0.2/s", full.Find("line rate").Value);
        Assert.Equal("50 total, 5/s", full.Evidence.Single(e => e.Name == "drop").Value);
        Assert.StartsWith("3 in the last", full.Find("lines in the window").Value);
        Assert.Equal(524_288, Assert.Single(full.Fixes).Target.Value); // the table was full: demand was at least max

        // Lines earlier in the window but none now, table emptied: still a warning (it happened within the hour).
        var earlier = TableFull.Evaluate(before.Then(s => s with { Conntrack = Snap.Known(Snap.Conntrack(10, 262144)) }));
        Assert.Equal(CheckStatus.Warning, earlier.Status);
        Assert.Equal("0/s", earlier.Find("line rate").Value);
    }

    [Fact]
    public void Hash_table_warns_above_8_entries_per_bucket_or_with_chaintoolong_rising_and_offers_the_planners_buckets()
    {
        Assert.Equal(CheckStatus.NotApplicable, Hash.Evaluate(Snap.Empty()).Status);
        var even = Snap.Empty() with { Conntrack = Snap.Known(Snap.Conntrack(0, 262144, 262144)), CpuStats = Snap.Known(Snap.Cpu()) };
        var ok = Hash.Evaluate(even.Then(s => s));
        Assert.Equal(CheckStatus.Ok, ok.Status);
        Assert.StartsWith("262,144 / 262,144 = 1 entries per bucket", ok.Find("nf_conntrack_max / nf_conntrack_buckets").Value);

        var sparse = Hash.Evaluate(Snap.Empty() with { Conntrack = Snap.Known(Snap.Conntrack(0, 1_048_576, 65536)) });
        Assert.Equal(CheckStatus.Warning, sparse.Status);
        Assert.Contains("16 entries per bucket", sparse.Summary);
        var fix = Assert.Single(sparse.Fixes);
        Assert.Equal((FixKind.SizeWithPlanner, 1_048_576L, 1_048_576L), (fix.Kind, fix.Target.Value!.Value, fix.Target.Buckets!.Value));

        var chains = Hash.Evaluate(even.Then(s => s with { CpuStats = Snap.Known(Snap.Cpu(chain: 20)) }));
        Assert.Equal(CheckStatus.Warning, chains.Status);
        Assert.Equal("20 total, 2/s", chains.Find("chaintoolong").Value);
    }

    [Fact]
    public void Timeouts_warn_when_one_finished_state_holds_most_entries_and_suggest_a_shorter_timeout_never_for_established()
    {
        Assert.Equal(CheckStatus.NotApplicable, Timeouts.Evaluate(Snap.Empty()).Status);
        StateCensus Census(long established, long timeWait) => new(established + timeWait,
        [
            new StateCount("ESTABLISHED", established, "nf_conntrack_tcp_timeout_established", 432000),
            new StateCount("TIME_WAIT", timeWait, "nf_conntrack_tcp_timeout_time_wait", 120),
        ]);

        var ok = Timeouts.Evaluate(Snap.Empty() with { States = Snap.Known(Census(6000, 4000)) });
        Assert.Equal(CheckStatus.Ok, ok.Status);
        Assert.Equal("4,000 (40%), nf_conntrack_tcp_timeout_time_wait = 120 s", ok.Find("TIME_WAIT").Value);

        var dominated = Timeouts.Evaluate(Snap.Empty() with { States = Snap.Known(Census(2000, 8000)) });
        Assert.Equal(CheckStatus.Warning, dominated.Status);
        Assert.Contains("TIME_WAIT holds 80%", dominated.Summary);
        var fix = Assert.Single(dominated.Fixes);
        Assert.Equal((FixKind.ShortenTimeout, "nf_conntrack_tcp_timeout_time_wait", 30L), (fix.Kind, fix.Target.TimeoutKey, fix.Target.Value!.Value));

        // Established connections are live traffic: never "shorten" them; a tiny table is no problem either.
        Assert.Equal(CheckStatus.Ok, Timeouts.Evaluate(Snap.Empty() with { States = Snap.Known(Census(9000, 1000)) }).Status);
        Assert.Equal(CheckStatus.Ok, Timeouts.Evaluate(Snap.Empty() with { States = Snap.Known(Census(20, 80)) }).Status);

        var udp = Timeouts.Evaluate(Snap.Empty() with
        {
            States = Snap.Known(new StateCensus(5000, [new StateCount("UDP unreplied", 4000, "net.netfilter.nf_conntrack_udp_timeout", 30)])),
        });
        Assert.Equal(CheckStatus.Warning, udp.Status);
        Assert.Equal(("nf_conntrack_udp_timeout", 10L), (udp.Fixes[0].Target.TimeoutKey, udp.Fixes[0].Target.Value!.Value));
    }

    [Fact]
    public void Conntrack_events_cost_nothing_when_off_or_without_listener_and_warn_only_when_material()
    {
        Assert.Equal(CheckStatus.NotApplicable, Events.Evaluate(Snap.Empty()).Status);
        var off = Events.Evaluate(Snap.Empty() with { Conntrack = Snap.Known(Snap.Conntrack(1000, 262144, events: 0)) });
        Assert.Equal(CheckStatus.Ok, off.Status);
        Assert.Equal("0 (off)", off.Find("nf_conntrack_events").Value);
        var noListener = Events.Evaluate(Snap.Empty() with { Conntrack = Snap.Known(Snap.Conntrack(1000, 262144, events: 2)) });
        Assert.Equal(CheckStatus.Ok, noListener.Status);
        Assert.Equal("none known", noListener.Find("event listener").Value);

        var small = Events.Evaluate(Snap.Empty() with { Conntrack = Snap.Known(Snap.Conntrack(1000, 262144, events: 2)), ConntrackEventListener = true });
        Assert.Equal(CheckStatus.Ok, small.Status);
        Assert.Contains("with", small.Find("bytes per entry").Value);

        var big = Events.Evaluate(Snap.Empty() with { Conntrack = Snap.Known(Snap.Conntrack(1_000_000, 4_000_000, events: 1)) });
        Assert.Equal(CheckStatus.Warning, big.Status);
        Assert.Contains("at a full table (4,000,000)", big.Find("event cost").Value);
        Assert.Empty(big.Fixes);
    }
}
