using NatGateway.Conntrack.Kernel;
using NatGateway.Netlink;
using Xunit;

namespace NatGateway.Conntrack.Tests.Unit;

/// <summary>Random truncation, lying lengths and garbage over real messages, with a fixed seed and a bounded
/// iteration count: the parser must either decode or throw <see cref="NetlinkParseException"/>, never crash or
/// loop (every iteration consumes at least 4 bytes, so termination is structural).</summary>
public sealed class ParserFuzzTests
{
    private const int Iterations = 20_000;

    [Fact]
    public void Mutated_messages_decode_or_fail_clearly()
    {
        var random = new Random(20261125);
        var corpus = Corpus.All.Select(Corpus.Bytes).ToArray();
        int decoded = 0, rejected = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var message = (byte[])corpus[random.Next(corpus.Length)].Clone();
            message = Mutate(random, message);
            try
            {
                var reader = new NetlinkMessageReader(message);
                while (reader.Next())
                {
                    FlowDecoder.Decode(reader.Payload);
                    ConntrackListener.TryDecodeEvent(reader.Header, reader.Payload, out _);
                    decoded++;
                }
                if (reader.Error is not null) rejected++;
            }
            catch (NetlinkParseException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                rejected++;
            }
        }
        Assert.True(decoded > 1000, $"decoded {decoded}");
        Assert.True(rejected > 1000, $"rejected {rejected}");
    }

    [Fact]
    public void Random_garbage_never_escapes_as_another_exception()
    {
        var random = new Random(7);
        for (var i = 0; i < Iterations; i++)
        {
            var garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            try
            {
                FlowDecoder.Decode(garbage);
                var r = new ReplyReader(garbage, 0, uint.MaxValue, BitConverter.ToUInt32(garbage.Length >= 16 ? garbage.AsSpan(12) : new byte[4]));
                while (r.Next()) { }
            }
            catch (NetlinkParseException)
            {
            }
        }
    }

    private static byte[] Mutate(Random random, byte[] message)
    {
        switch (random.Next(5))
        {
            case 0: // truncate anywhere
                return message[..random.Next(message.Length)];
            case 1: // lie about one 16-bit length at a 4-byte boundary (attribute nla_len)
            {
                var at = 20 + random.Next((message.Length - 20) / 4) * 4;
                message[at] = (byte)random.Next(256);
                message[at + 1] = (byte)random.Next(4);
                return message;
            }
            case 2: // lie about the message length
                BitConverter.TryWriteBytes(message, (uint)random.Next(0, message.Length * 2));
                return message;
            case 3: // flip random bytes (nested garbage)
                for (var k = 0; k < 1 + random.Next(8); k++) message[16 + random.Next(message.Length - 16)] = (byte)random.Next(256);
                return message;
            default: // keep intact, make sure healthy input decodes
                return message;
        }
    }
}
