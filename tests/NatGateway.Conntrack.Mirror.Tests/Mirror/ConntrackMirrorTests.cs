using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Conntrack.Mirror.Store;
using Xunit;
using static NatGateway.Conntrack.Mirror.Tests.SyntheticFlows;

namespace NatGateway.Conntrack.Mirror.Tests.Mirror;

public sealed class ConntrackMirrorTests
{
    private static readonly ConntrackMirrorOptions FastOptions = new()
    {
        ChangeNotificationInterval = TimeSpan.FromMilliseconds(20),
        RetryDelay = TimeSpan.FromMilliseconds(20),
    };

    [Fact]
    public async Task Mirror_starts_from_a_dump_then_follows_events()
    {
        var source = new FakeConntrackSource(Many(500));
        await using var mirror = new ConntrackMirror(source, FastOptions);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await mirror.StartAsync(timeout.Token);
        Assert.Equal(500, mirror.Count(FlowFilter.All));
        Assert.Equal(MirrorState.Live, mirror.Status.State);

        source.Create(Tcp(10_001, "10.9.9.9", 1234, "10.77.2.2", 443, TcpState.SynSent, FlowStatus.Confirmed));
        source.Update(Tcp(10_001, "10.9.9.9", 1234, "10.77.2.2", 443, TcpState.Established));
        source.Destroy(1);
        source.Destroy(2);
        // An update for a flow the mirror has never seen is a creation (its NEW came before the subscription).
        source.Update(Udp(10_002, "10.9.9.8", 53, "10.77.2.2", 53));

        await WaitUntilEqual(source, mirror);
        var created = mirror.Get(10_001)!.Value;
        Assert.Equal(TcpState.Established, created.Tcp.State);
        Assert.True(created.IsAssured);
        Assert.Null(mirror.Get(1));
        Assert.Equal(1, mirror.Status.ResyncCount);
        Assert.Equal(5, mirror.Status.EventsApplied);
        Assert.Equal(1, source.DumpCount);
    }

    [Fact]
    public async Task Lost_events_trigger_a_resync_that_repairs_the_table()
    {
        var source = new FakeConntrackSource(Many(300));
        await using var mirror = new ConntrackMirror(source, FastOptions);
        mirror.Start();
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));

        source.LoseEvents(table =>
        {
            table.Remove(5);
            table.Remove(6);
            var flow = Tcp(9_999, "10.1.1.1", 1, "10.2.2.2", 2);
            table[flow.Id] = flow;
        });
        await WaitUntilEqual(source, mirror);
        var status = mirror.Status;
        Assert.Equal(1, status.EventsLostCount);
        Assert.Equal(2, status.ResyncCount);
        Assert.Equal(2, source.DumpCount);
        Assert.Equal(1, source.OpenCount);   // the event socket survives ENOBUFS
        Assert.NotNull(mirror.Get(9_999));
    }

    [Fact]
    public async Task Events_older_than_the_dump_are_not_replayed_over_it()
    {
        var source = new FakeConntrackSource(Many(50));
        // Waiting in the socket before the mirror starts: a loss, then a NEW for a flow whose DESTROY was lost too.
        source.LoseEvents(_ => { });
        var ghost = Udp(4242, "10.4.4.4", 4, "10.5.5.5", 5);
        source.Create(ghost);
        source.ChangeSilently(table => table.Remove(ghost.Id));
        await using var mirror = new ConntrackMirror(source, FastOptions);
        mirror.Start();
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));
        source.Create(Udp(4343, "10.4.4.4", 6, "10.5.5.5", 7));   // a fresh event after the dump still applies
        await WaitUntilEqual(source, mirror);
        Assert.Null(mirror.Get(ghost.Id));
        Assert.Equal(1, source.DumpCount);
    }

    [Fact]
    public async Task Readers_keep_answering_from_the_previous_table_while_a_resync_dumps()
    {
        var source = new FakeConntrackSource(Many(200));
        await using var mirror = new ConntrackMirror(source, FastOptions);
        mirror.Start();
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));

        using var gate = new ManualResetEventSlim(false);
        source.DumpGate = gate;
        source.DumpStarted.Reset();
        source.LoseEvents(table => table.Clear());
        Assert.True(source.DumpStarted.Wait(TimeSpan.FromSeconds(60)));

        // The dump is stuck; queries answer at once from the old, consistent table.
        Assert.Equal(MirrorState.Synchronizing, mirror.Status.State);
        var page = mirror.Query(FlowFilter.Parse("proto tcp or proto udp or proto icmp"), SortSpec.Parse("id"), 0, 1000);
        Assert.Equal(200, page.TotalMatching);
        Assert.Equal(200, mirror.Status.Entries);

        gate.Set();
        await WaitUntilEqual(source, mirror);
        Assert.Equal(0, mirror.Count(FlowFilter.All));
        Assert.Equal(MirrorState.Live, mirror.Status.State);
    }

    [Fact]
    public async Task A_query_never_sees_half_of_a_batch_while_events_stream_in()
    {
        var source = new FakeConntrackSource([]);
        await using var mirror = new ConntrackMirror(source, FastOptions);
        mirror.Start();
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));

        // Every datagram creates (or destroys) a pair: one flow with mark 1 and one with mark 2.
        const int Pairs = 3000;
        var writer = Task.Run(() =>
        {
            for (uint i = 0; i < Pairs; i++)
            {
                var a = Udp(2 * i + 1, "10.0.0.1", (ushort)(i % 60000 + 1), "10.0.0.2", 53, mark: 1);
                var b = Udp(2 * i + 2, "10.0.0.3", (ushort)(i % 60000 + 1), "10.0.0.4", 53, mark: 2);
                source.Apply(new FlowEvent(FlowEventType.New, a), new FlowEvent(FlowEventType.New, b));
                if (i % 3 == 0)
                    source.Apply(new FlowEvent(FlowEventType.Destroy, a), new FlowEvent(FlowEventType.Destroy, b));
            }
        });
        var filter = FlowFilter.Parse("mark 1 or mark 2");
        var queries = 0;
        while (!writer.IsCompleted || queries < 50)
        {
            var page = mirror.Query(filter, SortSpec.Parse("mark"), 0, int.MaxValue);
            var ones = page.Rows.Count(f => f.Mark == 1);
            Assert.Equal(page.TotalMatching, page.Rows.Count);
            Assert.Equal(ones, page.Rows.Count - ones);
            queries++;
        }
        await writer;
        await WaitUntilEqual(source, mirror);
        Assert.Equal(2 * (Pairs - Pairs / 3), mirror.Count(filter));
    }

    [Fact]
    public async Task Changes_are_announced_in_batches_that_add_up()
    {
        var source = new FakeConntrackSource(Many(10));
        await using var mirror = new ConntrackMirror(source, FastOptions);
        var notifications = new System.Collections.Concurrent.ConcurrentQueue<MirrorChangedEventArgs>();
        using var subscription = mirror.Subscribe(notifications.Enqueue);
        mirror.Changed += (_, _) => throw new InvalidOperationException("a broken subscriber does not stop the others");
        var unsubscribedCalls = 0;
        mirror.Subscribe(_ => Interlocked.Increment(ref unsubscribedCalls)).Dispose();
        mirror.Start();
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));
        for (uint i = 0; i < 200; i++) source.Create(Udp(1000 + i, "10.3.0.1", (ushort)(i + 1), "10.3.0.2", 53));
        for (uint i = 0; i < 50; i++) source.Destroy(1000 + i);
        for (uint i = 0; i < 20; i++) source.Update(Udp(1100 + i, "10.3.0.1", (ushort)(101 + i), "10.3.0.2", 53, mark: 7));
        await WaitUntilEqual(source, mirror);
        await WaitUntil(() => notifications.Sum(n => n.Created) == 200 && notifications.Sum(n => n.Updated) == 20 && notifications.Sum(n => n.Destroyed) == 50);
        Assert.True(notifications.First().Resynced);
        Assert.True(notifications.Count < 270, "notifications are batched, not one per event");
        Assert.Equal(20, mirror.Count(FlowFilter.Parse("mark 7")));
        Assert.Equal(0, unsubscribedCalls);
    }

    [Fact]
    public async Task A_failing_source_is_retried_and_the_error_is_visible_meanwhile()
    {
        var source = new FakeConntrackSource(Many(50));
        source.FailNextDumps(2);
        await using var mirror = new ConntrackMirror(source, FastOptions with { RetryDelay = TimeSpan.FromMilliseconds(200) });
        mirror.Start();
        await WaitUntil(() => mirror.Status.LastError is not null);
        Assert.Contains("pretend netlink failure", mirror.Status.LastError);
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));
        await WaitUntilEqual(source, mirror);
        Assert.Null(mirror.Status.LastError);
        Assert.Equal(3, source.DumpCount);
    }

    [Fact]
    public async Task An_interrupted_dump_is_repeated_before_it_is_swapped_in()
    {
        var source = new FakeConntrackSource(Many(100)) { InterruptedDumps = 1 };
        await using var mirror = new ConntrackMirror(source, FastOptions);
        mirror.Start();
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(100, mirror.Count(FlowFilter.All));
        Assert.Equal(2, source.DumpCount);
        Assert.Equal(1, mirror.Status.ResyncCount);
    }

    [Fact]
    public async Task Deleted_flows_can_be_forgotten_at_once_without_waiting_for_events_or_a_resync()
    {
        var source = new FakeConntrackSource(Many(20));
        await using var mirror = new ConntrackMirror(source, FastOptions);
        mirror.Start();
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));
        var changes = new List<MirrorChangedEventArgs>();
        using var subscription = mirror.Subscribe(e => { lock (changes) changes.Add(e); });

        // Deleted in the "kernel" without DESTROY events (entries made before any listener existed).
        var first = mirror.Get(1)!.Value;
        source.ChangeSilently(t => t.Remove(1));
        Assert.Equal(1, mirror.Forget([first]));
        Assert.Null(mirror.Get(1));
        Assert.Equal(19, mirror.Count(FlowFilter.All));

        var filter = FlowFilter.Parse($"src {mirror.Get(2)!.Value.Original.Source}");
        var matching = mirror.Count(filter);
        Assert.True(matching > 0);
        Assert.Equal(matching, mirror.ForgetMatching(filter));
        Assert.Equal(0, mirror.Count(filter));
        Assert.Equal(19 - matching, mirror.ForgetMatching(FlowFilter.All));
        Assert.Equal(0, mirror.Count(FlowFilter.All));

        // Live pages hear about it like about DESTROY events.
        await WaitUntil(() => { lock (changes) return changes.Sum(c => c.Destroyed) == 20; });
    }

    [Fact]
    public async Task A_requested_resync_dumps_again()
    {
        var source = new FakeConntrackSource(Many(20));
        await using var mirror = new ConntrackMirror(source, FastOptions);
        mirror.Start();
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));
        mirror.RequestResync();
        source.Create(Udp(777, "10.5.5.5", 5, "10.6.6.6", 6));   // wakes the event loop, which then sees the request
        await WaitUntil(() => mirror.Status.ResyncCount == 2);
        await WaitUntilEqual(source, mirror);
    }

    [Fact]
    public async Task Entries_that_outlive_their_timeout_without_a_destroy_event_trigger_a_resync()
    {
        var shortLived = Enumerable.Range(1, 30).Select(i => Udp((uint)i, "10.8.0.1", (ushort)i, "10.8.0.2", 53, timeout: 1)).ToList();
        var source = new FakeConntrackSource(shortLived.Concat(Many(20).Select(f => f with { Id = f.Id + 100 })));
        await using var mirror = new ConntrackMirror(source, FastOptions with
        {
            ExpiredEntryCheckInterval = TimeSpan.FromMilliseconds(100),
            ExpiryGrace = TimeSpan.Zero,
        });
        mirror.Start();
        await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(50, mirror.Count(FlowFilter.All));

        // The kernel expires them; no DESTROY event ever comes (nf_conntrack_events=2 and no event extension).
        source.ChangeSilently(table => { foreach (var f in shortLived) table.Remove(f.Id); });
        await WaitUntilEqual(source, mirror);
        Assert.Equal(20, mirror.Count(FlowFilter.All));
        Assert.True(mirror.Status.ExpiredResyncCount >= 1);
        Assert.Equal(0, mirror.Status.EventsLostCount);
    }

    internal static async Task WaitUntilEqual(FakeConntrackSource source, ConntrackMirror mirror)
    {
        await WaitUntil(() => Same(source.Snapshot(), mirror.Table.Select(FlowFilter.All, SortSpec.Parse("id"))));
        var expected = source.Snapshot();
        var actual = mirror.Table.Select(FlowFilter.All, SortSpec.Parse("id"));
        Assert.Equal(expected.Select(Describe), actual.Select(Describe));
    }

    private static bool Same(IReadOnlyList<Flow> expected, IReadOnlyList<Flow> actual) =>
        expected.Count == actual.Count && expected.Select(Describe).SequenceEqual(actual.Select(Describe));

    /// <summary>The fields the mirror keeps, timeout left out (it counts down).</summary>
    private static string Describe(Flow f) =>
        $"{f.Id} {f.Original} {f.Reply} {f.Status} {f.Mark} {f.Zone} {f.Tcp.State}";

    internal static async Task WaitUntil(Func<bool> condition)
    {
        // Convergence wait with a generous deadline, not a performance assertion.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("condition not reached within 60 s");
            await Task.Delay(10);
        }
    }
}
