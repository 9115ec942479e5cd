using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using NatGateway.Agent.Client;
using NatGateway.Agent.Protocol;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Agent.Tests.Kernel;

/// <summary>
/// A fixed-seed fuzz of the agent protocol: random and mutated frames, malformed JSON, wrong types, bad enums, hostile
/// keys, filters and rules, huge and truncated lengths. Each must get an error (or a normal answer for a harmless
/// read) or a clean close; the agent must stay up and our tables and the managed sysctls must not change. No request
/// generated here can be a valid write (every write's arguments come from hostile lists).
/// </summary>
public sealed partial class AgentKernelTests
{
    private const int Seed = 20261206;
    private const int Requests = 3000;

    private static readonly string[] Ops = Enum.GetNames<AgentOperation>().Select(n => char.ToLowerInvariant(n[0]) + n[1..])
        .Concat(["runNft", "writeFile", "", "SysctlWrite", "natApply ", "0", "conntrackDump\u0000"]).ToArray();

    private static readonly Dictionary<string, string[]> Hostile = new()
    {
        ["key"] = ["""["..","..","etc","passwd"]""", """["kernel","core_pattern"]""", """["net","ipv4","conf","../../../etc","rp_filter"]""",
                   "[]", """[""]""", "[null]", "\"net.ipv4.ip_forward\"", "5", "{}", """["net","netfilter","nf_conntrack_max/../../x"]""",
                   """["net","ipv4","conf","lan0\n","rp_filter"]""", "[" + string.Join(",", Enumerable.Repeat("\"net\"", 100)) + "]"],
        ["value"] = ["\"../../etc/passwd\"", "\"1; reboot\"", "\"\"", "\" \"", "\"-1\"", "\"1\\n0\"", "5", "null", "\"999999999999999999999\"", "[1]", "\"|/bin/sh\""],
        ["rules"] = ["5", "\"x\"", "{}", "[1]", "[null]", """[{"kind":"bogus"}]""",
                     """[{"kind":"dnat","name":"../../etc/passwd","inInterfaces":["lan0;reboot"],"protocol":"tcp","destinationPort":"99999","targetAddress":"10.0.0.999","targetPort":"80","markId":1}]""",
                     """[{"kind":"masquerade","name":"x","outInterfaces":["../../etc"],"sourceCidrs":["10.0.0.0/99"],"markId":70000}]"""],
        ["family"] = ["\"ipv5\"", "3", "\"any \"", "\"IPV4X\"", "{}"],
        ["kernelFilter"] = ["""{"mark":-1}""", """{"zone":70000}""", """{"original":{"source":"../../etc/passwd"}}""", """{"original":{"protocol":300}}""", "\"x\"", "[1]"],
        ["filter"] = ["\"../../etc/passwd\"", "\"(((((\"", "\"" + new string('(', 5000) + "\"", "\"dport 99999999\"", "\"src 10.0.0.0/99\"", "\"\\u0000\"", "5"],
        ["flows"] = ["""[{"original":{"source":"x"}}]""", "[null]", "\"x\"", "5", """[{"original":{"source":"10.0.0.1","destination":"fd00::1","protocol":6},"zone":0}]"""],
        ["groups"] = ["\"none\"", "\"bogus\"", "0", "99"],
        ["file"] = ["\"../../etc/passwd\"", "\"settings2\"", "0", "7"],
        ["sysctls"] = ["""[{"key":["kernel","core_pattern"],"value":"|/bin/sh","skipWhenMissing":false}]""", "[null]", "\"x\"",
                       """[{"key":["net","ipv4","ip_forward"],"value":"1; reboot"}]"""],
        ["buckets"] = ["-1", "0", "1e20", "\"x\"", "9223372036854775807"],
        // Diagnostics: SetLro must be refused for every one of these names before anything reaches ethtool netlink (and
        // "enabled" is never a boolean, so a name that a flipped byte makes valid is still refused).
        ["interface"] = ["\"lan0;reboot\"", "\"../../etc\"", "\"lan*\"", "\"\"", "\" \"", "\"a/b\"", "\"0123456789abcdefg\"", "\"lan0\\n\"", "5", "null", "[\"lan0\"]"],
        ["enabled"] = ["\"yes\"", "2", "null", "{}"],
        ["sequence"] = ["-1", "\"x\"", "1e30", "[1]"],
        // No value one flipped byte away from a valid capture (0.1–60 s): "1e30" → "1030" would start one on the host.
        ["durationMilliseconds"] = ["-1", "0", "99", "999999999", "\"x\""],
        // Live traces: every probe here is refused (so none arms a trace), whatever the other fields say.
        ["probe"] = ["5", "\"x\"", "null", "[]", """{"family":"ipv4"}""",
                     """{"family":"ipv4","protocol":"tcp","source":"../../etc","destination":"10.77.2.2","sourcePort":0,"destinationPort":80,"inInterface":"lan0"}""",
                     """{"family":"ipv4","protocol":"tcp","source":"10.77.1.2","destination":"fd77:2::2","sourcePort":0,"destinationPort":80,"inInterface":"lan0"}""",
                     """{"family":"ipv4","protocol":"tcp","source":"10.77.1.2","destination":"10.77.2.2","sourcePort":0,"destinationPort":80,"inInterface":"lan0\" accept; #"}""",
                     """{"family":"ipv4","protocol":"icmp","source":"10.77.1.2","destination":"10.77.2.2","sourcePort":0,"destinationPort":80,"inInterface":"lan0"}""",
                     """{"family":"ipv4","protocol":"tcp","source":"10.77.1.2","destination":"10.77.2.2","sourcePort":0,"destinationPort":0,"inInterface":"lan0"}""",
                     """{"family":"ipv4","protocol":"tcp","source":"10.77.1.2","destination":"10.77.2.2","sourcePort":-1,"destinationPort":80,"inInterface":"lan*"}"""],
        ["maxPackets"] = ["0", "-1", "101", "1e9", "\"x\"", "null"],
        // Cluster: no config here can be applied (each breaks several checks, so one flipped byte cannot mend it), no
        // state can be notified (Unknown/Stopped are the services' own), and "enabled" above is never a boolean.
        ["cluster"] = ["5", "\"x\"", "{}", "null", """{"enabled":true}""",
                       """{"enabled":true,"virtualRouterId":0,"advertInterval":"00:00:00.105","virtualAddresses":[],"local":{"name":"gw1\" }\nvrrp_script x {","role":"primary","priority":999,"insideInterface":"in 1","outsideInterface":"out\"1","syncInterface":"s*","syncAddress":{"address":"127.0.0.1","prefixLength":99}},"peer":{"name":"gw 2","syncAddress":"224.0.0.1","syncPort":0}}""",
                       """{"enabled":true,"virtualRouterId":300,"advertInterval":"00:01:00","virtualAddresses":[null],"local":null,"peer":null}"""],
        ["vrrpState"] = ["\"stopped\"", "\"unknown\"", "\"master\"", "5", "null", "\"\""],
        ["reason"] = ["\"\"", "\"\\u0000\"", "5", "\"" + new string('x', 300) + "\""],
    };

    [KernelFact]
    public void Fuzzed_frames_get_errors_and_change_nothing()
    {
        var before = agent.KernelState();
        var random = new Random(Seed);
        var stream = Connect();
        int answered = 0, closed = 0;
        for (var i = 0; i < Requests; i++)
        {
            var roll = random.NextDouble();
            if (roll < 0.01)
            {
                // A length far above the cap: an error, then the agent closes (the rest of the stream cannot be trusted).
                WriteHeader(stream, random.Next(2) == 0 ? int.MaxValue : AgentProtocol.MaxFrameBytes + 1 + random.Next(1000), FrameType.Request);
                Assert.Equal(FrameType.Error, ReadAnswer(stream, i));
                Assert.True(IsClosed(stream), $"request {i}: the agent kept a stream after an oversized length");
                stream.Dispose();
                stream = Connect();
                closed++;
                continue;
            }
            if (roll < 0.02)
            {
                // A truncated frame, then the end of our side: the agent closes quietly.
                WriteHeader(stream, 100 + random.Next(1000), FrameType.Request);
                stream.Write(Encoding.UTF8.GetBytes("{\"op\":\"natApply\""));
                stream.Socket.Shutdown(SocketShutdown.Send);
                Assert.True(IsClosed(stream), $"request {i}: no close after a truncated frame");
                stream.Dispose();
                stream = Connect();
                closed++;
                continue;
            }
            var type = roll < 0.07 ? (FrameType)random.Next(256) : FrameType.Request;
            FrameCodec.Write(stream, type, Payload(random));
            ReadAnswer(stream, i);
            answered++;
        }
        stream.Dispose();

        Assert.False(agent.Agent.HasExited, "the agent crashed");
        Assert.DoesNotContain("fail:", agent.Output); // no request reached the agent's "unexpected failure" path
        using (var hello = AgentConnection.Open(agent.SocketPath)) Assert.True(hello.IsHealthy);
        Assert.Equal(before, agent.KernelState());
        Assert.True(answered > Requests * 0.9 && closed > 0, $"{answered} answered, {closed} closed");
    }

    private byte[] Payload(Random random)
    {
        switch (random.Next(10))
        {
            case 0:
                var bytes = new byte[random.Next(0, 512)];
                random.NextBytes(bytes);
                return bytes;
            case 1:
                return Encoding.UTF8.GetBytes(new string('[', random.Next(30, 2000)));
            case 2:
                var json = Encoding.UTF8.GetBytes(StructuredRequest(random));
                for (var flips = random.Next(1, 4); flips > 0 && json.Length > 0; flips--) json[random.Next(json.Length)] = (byte)random.Next(256);
                return json;
            case 3:
                var text = StructuredRequest(random);
                return Encoding.UTF8.GetBytes(text[..random.Next(text.Length)]);
            default:
                return Encoding.UTF8.GetBytes(StructuredRequest(random));
        }
    }

    /// <summary>A request object with a real or bogus op and some fields set to hostile values (never a valid write).</summary>
    private static string StructuredRequest(Random random)
    {
        var parts = new List<string>();
        if (random.Next(20) != 0) parts.Add($"\"op\":\"{Ops[random.Next(Ops.Length)]}\"");
        foreach (var (field, values) in Hostile)
            if (random.Next(3) == 0) parts.Add($"\"{field}\":{values[random.Next(values.Length)]}");
        if (random.Next(10) == 0) parts.Add("\"unknownField\":{\"nested\":[1,2,3]}");
        return "{" + string.Join(",", parts.OrderBy(_ => random.Next())) + "}";
    }

    private NetworkStream Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(agent.SocketPath));
        socket.ReceiveTimeout = 30_000;
        var stream = new NetworkStream(socket, ownsSocket: true);
        FrameCodec.Write(stream, FrameType.Hello, AgentJson.Serialize(new HelloMessage(AgentProtocol.Version)));
        Assert.Equal(FrameType.Hello, FrameCodec.Read(stream)!.Value.Type);
        return stream;
    }

    private static void WriteHeader(Stream stream, int length, FrameType type)
    {
        var header = new byte[5];
        BinaryPrimitives.WriteInt32LittleEndian(header, length);
        header[4] = (byte)type;
        stream.Write(header);
    }

    /// <summary>Reads up to the frame that ends the request (relayed events and dump data in between are skipped).</summary>
    private static FrameType ReadAnswer(Stream stream, int index)
    {
        while (true)
        {
            var frame = FrameCodec.Read(stream) ?? throw new Xunit.Sdk.XunitException($"request {index}: the agent closed the connection");
            if (frame.Type is FrameType.Response or FrameType.Error or FrameType.DumpEnds) return frame.Type;
        }
    }

    private static bool IsClosed(NetworkStream stream)
    {
        try
        {
            while (FrameCodec.Read(stream) is not null) { }
            return true;
        }
        catch (IOException)
        {
            return true; // reset by the agent: closed too
        }
    }
}
