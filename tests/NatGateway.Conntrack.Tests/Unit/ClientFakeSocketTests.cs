using NatGateway.Conntrack.Kernel;
using NatGateway.Conntrack.Tests.NetlinkTest;
using NatGateway.Netlink;
using Xunit;
using static NatGateway.Conntrack.Tests.NetlinkTest.NetlinkReplies;

namespace NatGateway.Conntrack.Tests.Unit;

/// <summary>
/// ConntrackClient's request/reply logic against <see cref="FakeNetlinkSocket"/> replaying the captured corpus:
/// no root, no kernel. Request bytes are compared with the golden requests (sequence numbers from 1, port 0),
/// each annotated with the conntrack(8) command that sends the same request.
/// </summary>
public sealed class ClientFakeSocketTests
{
    private static readonly string[] Ipv4Corpus = [Corpus.Icmp, Corpus.UnknownProtocol, Corpus.UdpSourceNat, Corpus.TcpEstablished];

    private static readonly Flow[] CorpusFlows = Corpus.All.Select(h => FlowDecoder.Decode(Corpus.Payload(h))).ToArray();

    private static Flow Tcp => FlowDecoder.Decode(Corpus.Payload(Corpus.TcpEstablished));

    // The TCP entry's original tuple as conntrack -D -p tcp -s 10.9.0.1 -d 10.9.0.2 --sport 1000 --dport 80 encodes it.
    private const string TcpOrigTuple = "34000180 14000180 08000100 0a090001 08000200 0a090002 1c000280 05000100 06000000 06000200 03e80000 06000300 00500000";

    private static string Hex(string spaced) => spaced.Replace(" ", "");

    /// <summary>The kernel's dump reply for the requested family, from the corpus.</summary>
    private static IEnumerable<byte[]> CorpusDump(NetlinkMessage request, int perDatagram = 2, int? interruptedAt = null, bool packDone = false) =>
        Multipart(request, ConntrackReplies.CorpusMessages(ConntrackReplies.Family(request) switch
        {
            IPFamily.IPv4 => Ipv4Corpus,
            IPFamily.IPv6 => [Corpus.IcmpV6],
            _ => Corpus.All,
        }), perDatagram, interruptedAt, packDone);

    private static (FakeNetlinkSocket Socket, ConntrackClient Client) Dial(NetlinkFunc answer, ConntrackClientOptions? options = null)
    {
        var socket = new FakeNetlinkSocket(answer);
        return (socket, new ConntrackClient(socket, options));
    }

    private static (FakeNetlinkSocket Socket, ConntrackClient Client) DialPerMessage(Func<NetlinkMessage, IEnumerable<byte[]>> answer, ConntrackClientOptions? options = null)
    {
        var socket = FakeNetlinkSocket.PerMessage(answer);
        return (socket, new ConntrackClient(socket, options));
    }

    private static IEnumerable<(FlowTuple, uint)> Keys(IEnumerable<Flow> flows) => flows.Select(f => (f.Original, f.Id));

    // ------------------------------------------------------------ dump

    [Theory] // conntrack -L, answered 1, 2 or 5 entries per datagram, NLMSG_DONE alone or after the last entries
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    [InlineData(5, false)]
    [InlineData(5, true)]
    public void Dump_of_the_corpus_split_across_datagrams_decodes_every_flow(int perDatagram, bool packDone)
    {
        var (socket, client) = DialPerMessage(r => CorpusDump(r, perDatagram, packDone: packDone));
        using (client)
        {
            var flows = client.Dump().ToList();

            Assert.Equal(Keys(CorpusFlows), Keys(flows));
            Assert.Equal(5, client.Dump((in Flow _) => { }));
            Assert.Equal(Hex("14000000 0101 0103 01000000 00000000 00 00 0000"), socket.SentMessages[0].Hex); // conntrack -L
            Assert.Equal(0, socket.Pending);
        }
        Assert.True(socket.Disposed);
    }

    [Fact] // conntrack -L | head -2: the kernel answers EBUSY to a new dump until the running one is read to its end
    public void A_dump_abandoned_early_is_still_read_to_its_end()
    {
        var (socket, client) = DialPerMessage(r => CorpusDump(r, perDatagram: 1));
        using var _ = client;

        Assert.Equal(2, client.Dump().Take(2).Count());

        Assert.Equal(0, socket.Pending); // nothing of the first dump is left to confuse the next request
        Assert.Equal(5, client.DumpAll().Count);
    }

    [Fact]
    public void A_missing_reply_fails_the_dump_instead_of_hanging()
    {
        var (_, client) = DialPerMessage(r => [Readdress(Corpus.Bytes(Corpus.Icmp), r.Sequence, NetlinkMessageFlags.Multi)]); // no NLMSG_DONE
        using var _c = client;

        Assert.Throws<InvalidOperationException>(() => client.DumpAll());
    }

    [Fact] // the kernel ends a dump that failed part way with NLMSG_DONE carrying -errno (netlink_dump_done)
    public void A_dump_failing_part_way_throws_with_the_errno()
    {
        var (_, client) = DialPerMessage(r => [Readdress(Corpus.Bytes(Corpus.Icmp), r.Sequence, NetlinkMessageFlags.Multi), Done(r.Sequence, status: -(int)Errno.ENOMEM)]);
        using var _c = client;

        var e = Assert.Throws<NetlinkException>(() => client.DumpAll());
        Assert.Equal((Errno.ENOMEM, "conntrack dump"), (e.Errno, e.Operation));
    }

    [Fact] // conntrack -L -p tcp: CTA_FILTER needs a family, so one dump per family; kernels without CTA_FILTER
           // answer everything, and the client filters again in managed code
    public void Filtered_dump_of_any_family_asks_per_family_and_rechecks_each_flow()
    {
        var (socket, client) = DialPerMessage(r => CorpusDump(r));
        using var _ = client;

        var flows = client.DumpAll(filter: new DumpFilter { Original = new TupleFilter { Protocol = IPProtocol.Tcp } });

        Assert.Equal([Tcp.Original], flows.Select(f => f.Original));
        Assert.Equal([IPFamily.IPv4, IPFamily.IPv6], socket.SentMessages.Select(ConntrackReplies.Family));
    }

    [Fact]
    public void Dump_flagged_DUMP_INTR_throws_DumpInterrupted_after_the_flows()
    {
        var (_, client) = DialPerMessage(r => CorpusDump(r, interruptedAt: 3));
        using var _c = client;
        var seen = new List<Flow>();

        var e = Assert.Throws<DumpInterruptedException>(() => { foreach (var f in client.Dump()) seen.Add(f); });

        Assert.Equal(5, seen.Count);
        Assert.Equal("netlink dump", e.Operation);
    }

    [Fact]
    public void DumpAll_retries_an_interrupted_dump_until_it_is_consistent()
    {
        var dumps = 0;
        var (socket, client) = DialPerMessage(r => CorpusDump(r, interruptedAt: ++dumps == 1 ? 0 : null));
        using var _ = client;

        var flows = client.DumpAll();

        Assert.Equal(Keys(CorpusFlows), Keys(flows));
        Assert.Equal([1u, 2u], socket.SentMessages.Select(m => m.Sequence)); // a second, fresh dump request
    }

    [Fact]
    public void DumpAll_gives_up_after_its_attempts()
    {
        var (socket, client) = DialPerMessage(r => CorpusDump(r, interruptedAt: 0));
        using var _ = client;

        Assert.Throws<DumpInterruptedException>(() => client.DumpAll(attempts: 3));
        Assert.Equal(3, socket.SentMessages.Count);
    }

    [Fact]
    public void Dump_skips_replies_to_an_earlier_abandoned_request()
    {
        // A late error and a late entry for sequence 0x7000 (an earlier request) arrive before the real reply.
        var (_, client) = DialPerMessage(r =>
        {
            var stale = new NetlinkMessage(r.Header with { Sequence = 0x7000 }, r.Data);
            return [Error(stale, Errno.EBUSY), Readdress(Corpus.Bytes(Corpus.Icmp), 0x7000, NetlinkMessageFlags.Multi), .. CorpusDump(r)];
        });
        using var _ = client;

        Assert.Equal(Keys(CorpusFlows), Keys(client.DumpAll()));
    }

    [Fact] // conntrack -L -f ipv4 | wc -l
    public void DumpCountOnly_counts_the_entries_without_decoding()
    {
        var (socket, client) = DialPerMessage(r => CorpusDump(r, perDatagram: 3));
        using var _ = client;

        Assert.Equal(4, client.DumpCountOnly(IPFamily.IPv4));
        Assert.Equal(Hex("14000000 0101 0103 01000000 00000000 02 00 0000"), socket.SentMessages[0].Hex); // conntrack -L -f ipv4
    }

    [Fact]
    public void A_refused_dump_carries_the_operation()
    {
        var (_, client) = DialPerMessage(r => [Error(r, Errno.EPERM)]);
        using var _c = client;

        var e = Assert.Throws<NetlinkException>(() => client.DumpAll());
        Assert.Equal((Errno.EPERM, "conntrack dump"), (e.Errno, e.Operation));
        Assert.Equal("conntrack dump", Assert.Throws<NetlinkException>(() => client.DumpCountOnly()).Operation);
    }

    // ------------------------------------------------------------ single requests

    [Fact] // conntrack -D -p tcp -s 10.9.0.1 -d 10.9.0.2 --sport 1000 --dport 80 (plus CTA_ID of the dumped entry)
    public void Delete_sends_tuple_and_id_and_is_true_on_ack()
    {
        var (socket, client) = DialPerMessage(r => [Ack(r)]);
        using var _ = client;

        Assert.True(client.Delete(Tcp));
        Assert.Equal(Hex("50000000 0201 0500 01000000 00000000 02 00 0000 " + TcpOrigTuple + " 08000c00 bc99556d"), socket.SentMessages.Single().Hex);
    }

    [Fact] // conntrack -D ... of an entry that expired meanwhile: "0 flow entries have been deleted"
    public void Delete_of_an_entry_already_gone_is_false()
    {
        var (_, client) = DialPerMessage(r => [Error(r, Errno.ENOENT)]);
        using var _c = client;

        Assert.False(client.Delete(Tcp));
        Assert.False(client.Delete(Tcp.Original));
    }

    [Fact] // conntrack -G -p tcp -s 10.9.0.1 -d 10.9.0.2 --sport 1000 --dport 80
    public void Get_returns_the_entry_or_null_when_absent()
    {
        var calls = 0;
        var (socket, client) = DialPerMessage(r => ++calls == 1
            ? [Datagram(Readdress(Corpus.Bytes(Corpus.TcpEstablished), r.Sequence, NetlinkMessageFlags.None), Ack(r))]
            : [Error(r, Errno.ENOENT)]);
        using var _ = client;

        Assert.Equal(Tcp.Id, client.Get(Tcp.Original)?.Id);
        Assert.Null(client.Get(Tcp.Original));
        Assert.Equal(Hex("48000000 0101 0500 01000000 00000000 02 00 0000 " + TcpOrigTuple), socket.SentMessages[0].Hex);
    }

    [Fact] // conntrack -I ... of an entry that exists; conntrack -F without CAP_NET_ADMIN
    public void Errors_carry_the_operation_errno_and_extended_ack()
    {
        var (_, client) = DialPerMessage(r => ConntrackReplies.Type(r) == CtnetlinkMessage.New
            ? [Error(r, Errno.EEXIST)]
            : [Error(r, Errno.EPERM, "no permission")]);
        using var _c = client;

        var create = Assert.Throws<NetlinkException>(() => client.Create(Tcp));
        Assert.Equal((Errno.EEXIST, "conntrack create"), (create.Errno, create.Operation));

        var flush = Assert.Throws<NetlinkException>(() => client.Flush());
        Assert.Equal((Errno.EPERM, "conntrack flush", "no permission"), (flush.Errno, flush.Operation, flush.ExtendedAckMessage));
        Assert.Equal("conntrack flush: netlink error EPERM (1): no permission", flush.Message);

        Assert.Equal("conntrack count", Assert.Throws<NetlinkException>(() => client.Stats()).Operation);
    }

    // ------------------------------------------------------------ batches

    /// <summary>The kernel's answer to a batch: deletes/creates fail with the errno <paramref name="fail"/> gives
    /// (by their order among the batch's requests), succeed silently otherwise (no NLM_F_ACK); the end marker, a
    /// GET_STATS with NLM_F_ACK, gets its stats message and its ACK.</summary>
    private static Func<NetlinkMessage, IEnumerable<byte[]>> BatchKernel(Func<int, Errno?> fail)
    {
        var index = 0;
        return r => ConntrackReplies.Type(r) == CtnetlinkMessage.GetStats
            ? [ConntrackReplies.GlobalStats(r, 5, 262144), Ack(r)]
            : AckOrError(r, fail(index++));
    }

    [Theory] // conntrack -D for each of five entries, two of them failing
    [InlineData(false)]
    [InlineData(true)]
    public void DeleteMany_counts_successes_and_failures_by_errno(bool oneReplyDatagram)
    {
        var kernel = BatchKernel(i => i switch { 1 => Errno.ENOENT, 3 => Errno.EBUSY, _ => null });
        // The kernel sends each ACK/error as its own datagram; a client must also cope with them packed together.
        var (socket, client) = Dial(requests =>
        {
            // A stale error for a sequence outside the batch, which must not be counted.
            var replies = requests.SelectMany(kernel).Prepend(Error(requests[0] with { Header = requests[0].Header with { Sequence = 0x9000 } }, Errno.EINVAL));
            return oneReplyDatagram ? [Datagram(replies)] : replies;
        });
        using var _ = client;

        var result = client.DeleteMany(CorpusFlows);

        Assert.Equal((3, 2), (result.Succeeded, result.Failed));
        Assert.Equal((1, 1), (result.FailuresWith(Errno.ENOENT), result.FailuresWith(Errno.EBUSY)));
        Assert.Equal(Errno.ENOENT, result.FirstError?.Errno);
        var sent = socket.SentMessages;
        Assert.Single(socket.SentDatagrams); // one sendmsg for the whole batch
        Assert.Equal([1u, 2u, 3u, 4u, 5u, 6u], sent.Select(m => m.Sequence));
        Assert.Equal([.. Enumerable.Repeat(CtnetlinkMessage.Delete, 5), CtnetlinkMessage.GetStats], sent.Select(ConntrackReplies.Type));
        Assert.Equal([.. Enumerable.Repeat(NetlinkMessageFlags.Request, 5), NetlinkMessageFlags.Request | NetlinkMessageFlags.Ack], sent.Select(m => m.Flags));
        // The TCP entry's delete, without NLM_F_ACK (flags 0x0001), sequence 4.
        Assert.Equal(Hex("50000000 0201 0100 04000000 00000000 02 00 0000 " + TcpOrigTuple + " 08000c00 bc99556d"), sent[3].Hex);
        Assert.Equal(Hex("14000000 0501 0500 06000000 00000000 00 00 0000"), sent[5].Hex); // conntrack -C + NLM_F_ACK
    }

    [Fact]
    public void DeleteMany_splits_batches_by_size_and_each_ends_with_its_marker()
    {
        var (socket, client) = DialPerMessage(BatchKernel(i => i == 4 ? Errno.ENOENT : null), new ConntrackClientOptions { BatchBytes = 200 });
        using var _ = client;

        var result = client.DeleteMany(CorpusFlows);

        Assert.Equal((4, 1), (result.Succeeded, result.Failed));
        Assert.True(socket.SentDatagrams.Count > 1);
        foreach (var datagram in socket.SentDatagrams)
            Assert.Equal(CtnetlinkMessage.GetStats, ConntrackReplies.Type(NetlinkMessage.Parse(datagram)[^1]));
        Assert.Equal(5, socket.SentMessages.Count(m => ConntrackReplies.Type(m) == CtnetlinkMessage.Delete));
        Assert.Equal(0, socket.Pending);
    }

    [Fact] // conntrack -I for three entries, one already present
    public void CreateMany_counts_EEXIST_as_a_failure()
    {
        var (socket, client) = DialPerMessage(BatchKernel(i => i == 1 ? Errno.EEXIST : null));
        using var _ = client;
        Flow[] flows = [.. Enumerable.Range(0, 3).Select(i => Flow.ForCreate(FlowTuple.Create(IPProtocol.Tcp, "10.9.0.1", (ushort)(1000 + i), "10.9.0.2", 80), 300))];

        var result = client.CreateMany(flows);

        Assert.Equal((2, 1, 1), (result.Succeeded, result.Failed, result.FailuresWith(Errno.EEXIST)));
        // IPCTNL_MSG_CT_NEW with NLM_F_REQUEST|NLM_F_CREATE|NLM_F_EXCL, no NLM_F_ACK
        Assert.All(socket.SentMessages.Take(3), m => Assert.Equal((ushort)0x0100, m.Header.Type));
        Assert.All(socket.SentMessages.Take(3), m => Assert.Equal(NetlinkMessageFlags.Request | NetlinkMessageFlags.Create | NetlinkMessageFlags.Excl, m.Flags));
    }

    [Fact]
    public void DeleteWhere_dumps_then_deletes_the_matches_and_counts_the_removed()
    {
        var kernel = BatchKernel(i => i == 0 ? Errno.ENOENT : null); // the first victim expired meanwhile
        var (socket, client) = DialPerMessage(r => ConntrackReplies.Type(r) == CtnetlinkMessage.Get ? CorpusDump(r) : kernel(r));
        using var _ = client;

        Assert.Equal(1, client.DeleteWhere(f => f.Original.Family == IPFamily.IPv4 && f.Protocol is IPProtocol.Icmp or IPProtocol.Tcp));
        Assert.Equal(2, socket.SentMessages.Count(m => ConntrackReplies.Type(m) == CtnetlinkMessage.Delete));
    }

    // ------------------------------------------------------------ stats

    [Fact] // conntrack -C
    public void Stats_decodes_entries_and_max()
    {
        var (socket, client) = DialPerMessage(r => [ConntrackReplies.GlobalStats(r, 1234, 262144)]);
        using var _ = client;

        Assert.Equal(new ConntrackTableStats(1234, 262144), client.Stats());
        Assert.Equal(1234u, client.Count());
        Assert.Equal(Hex("14000000 0501 0100 01000000 00000000 00 00 0000"), socket.SentMessages[0].Hex);
    }

    [Fact] // conntrack -S
    public void StatsPerCpu_decodes_one_message_per_cpu()
    {
        var (socket, client) = DialPerMessage(r => Multipart(r,
            [ConntrackReplies.CpuStats(r, 0, found: 10, insertFailed: 1, drop: 2, clashResolve: 3),
             ConntrackReplies.CpuStats(r, 1, found: 20, insertFailed: 0, drop: 0, clashResolve: 7)], perDatagram: 1));
        using var _ = client;

        var cpus = client.StatsPerCpu();

        Assert.Equal([new CpuStats(0, 10, 0, 0, 1, 2, 0, 0, 0, 3, 0), new CpuStats(1, 20, 0, 0, 0, 0, 0, 0, 0, 7, 0)], cpus);
        Assert.Equal(Hex("14000000 0401 0103 01000000 00000000 00 00 0000"), socket.SentMessages[0].Hex);
    }
}
