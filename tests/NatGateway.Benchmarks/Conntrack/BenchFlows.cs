using NatGateway.Conntrack;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// The synthetic UDP entries (all inside the lab range 10.77.0.0/16; no packet is sent for them). Timeouts are an hour,
/// so nothing expires during a run, and marks cycle 0..15 so mark filters have something to select.
/// <list type="bullet">
/// <item>Hot set: <see cref="HotSource"/> → 10.77.2.2, sports 1024.., the <c>-s ADDR</c> of the filtered listing and the delete.</item>
/// <item>Background: sources 10.77.120.1 .. 10.77.135.250 (4,000 addresses), sports 1024.. per address, → 10.77.2.2.</item>
/// <item>Burst: sources 10.77.140.1 .. 10.77.155.250, → 10.77.2.3: new entries for the event-burst measurement.</item>
/// </list>
/// Destination ports cycle over 7 values per set so port filters select about a seventh.
/// </summary>
internal static class BenchFlows
{
    public const string HotSource = "10.77.100.5";
    public const int MaxHotEntries = 65535 - 1024;
    private const uint TimeoutSeconds = 3600;
    private const int AddressesPerSet = 4000;

    private static readonly NetAddress HotAddress = NetAddress.Parse(HotSource);
    private static readonly NetAddress Server = NetAddress.Parse("10.77.2.2");
    private static readonly NetAddress BurstServer = NetAddress.Parse("10.77.2.3");

    /// <summary>The <paramref name="count"/> entries from <see cref="HotSource"/>.</summary>
    public static IEnumerable<Flow> Hot(int count)
    {
        for (var i = 0; i < count; i++)
            yield return Udp(HotAddress, (ushort)(1024 + i), Server, (ushort)(5000 + i % 7), i);
    }

    /// <summary><paramref name="count"/> entries spread over 4,000 sources in 10.77.120.0 – 10.77.135.255.</summary>
    public static IEnumerable<Flow> Background(int count) => Spread(count, thirdOctetBase: 120, Server, 5000);

    /// <summary><paramref name="count"/> entries spread over 4,000 sources in 10.77.140.0 – 10.77.155.255, to 10.77.2.3.</summary>
    public static IEnumerable<Flow> Burst(int count) => Spread(count, thirdOctetBase: 140, BurstServer, 6000);

    private static IEnumerable<Flow> Spread(int count, int thirdOctetBase, NetAddress destination, int firstPort)
    {
        for (var j = 0; j < count; j++)
        {
            var a = j % AddressesPerSet;
            var source = NetAddress.FromIPv4((uint)(10 << 24 | 77 << 16 | (thirdOctetBase + a / 250) << 8 | (1 + a % 250)));
            yield return Udp(source, (ushort)(1024 + j / AddressesPerSet), destination, (ushort)(firstPort + j % 7), j);
        }
    }

    private static Flow Udp(NetAddress source, ushort sourcePort, NetAddress destination, ushort destinationPort, int index) =>
        Flow.ForCreate(FlowTuple.Create(IPProtocol.Udp, source, sourcePort, destination, destinationPort), TimeoutSeconds, mark: (uint)(index % 16));
}
