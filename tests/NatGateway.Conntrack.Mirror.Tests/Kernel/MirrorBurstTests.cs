using System.Diagnostics;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace NatGateway.Conntrack.Mirror.Tests.Kernel;

/// <summary>
/// The burst: 500,000 inserts while the mirror listens; afterwards the mirror must equal the kernel table,
/// count and content. Needs nf_conntrack_max ≥ 500,000 (global, initial namespace only): raised for the test and
/// restored. Runs in deploy/test.sh's exclusive phase so the raised limit and the burst disturb nothing else.
/// </summary>
[Trait("Category", "Exclusive")]
public sealed class MirrorBurstTests(ITestOutputHelper output)
{
    private const int Burst = 500_000;
    private const string MaxPath = "/proc/sys/net/netfilter/nf_conntrack_max";

    [KernelFact]
    public async Task After_500000_inserts_the_mirror_equals_the_kernel_table()
    {
        var originalMax = File.ReadAllText(MaxPath).Trim();
        try
        {
            if (long.Parse(originalMax) < Burst + 100_000) File.WriteAllText(MaxPath, (Burst + 100_000).ToString());
            using var lab = NamespaceLab.Create();
            using var client = lab.RunIn(lab.Gateway, () => new ConntrackClient());
            using var source = lab.RunIn(lab.Gateway, () => new ConntrackClientSource());
            var mirror = new ConntrackMirror(source);
            try
            {
                mirror.Start();
                await mirror.Synchronized.WaitAsync(TimeSpan.FromSeconds(30));
                var watch = Stopwatch.StartNew();
                var result = client.CreateMany(Flows());
                var burst = watch.Elapsed;
                Assert.Equal(Burst, result.Succeeded);

                // Exactness: same count, and the same set of (tuples, status, mark) as a fresh dump.
                var deadline = TimeSpan.FromSeconds(30);
                string[] kernel = [], mirrored = [];
                while (watch.Elapsed - burst < deadline)
                {
                    if (mirror.Count(FlowFilter.All) == Burst)
                    {
                        kernel = client.DumpAll().Select(Describe).Order(StringComparer.Ordinal).ToArray();
                        mirrored = mirror.Table.Select(FlowFilter.All).Select(Describe).Order(StringComparer.Ordinal).ToArray();
                        if (kernel.SequenceEqual(mirrored)) break;
                    }
                    await Task.Delay(50);
                }
                var converged = watch.Elapsed - burst;
                var status = mirror.Status;
                output.WriteLine($"burst of {Burst:N0} in {burst.TotalSeconds:F2} s ({Burst / burst.TotalSeconds:N0}/s); mirror exact {converged.TotalSeconds:F2} s after " +
                                 $"(includes one full comparison); events applied {status.EventsApplied:N0}, lost {status.EventsLostCount}, resyncs {status.ResyncCount}");
                Assert.Equal(Burst, kernel.Length);
                Assert.Equal(kernel, mirrored);
            }
            finally
            {
                await mirror.DisposeAsync();
            }
        }
        finally
        {
            File.WriteAllText(MaxPath, originalMax);
        }
    }

    private static IEnumerable<Flow> Flows()
    {
        var destination = NetAddress.Parse("10.77.2.2");
        for (var i = 0; i < Burst; i++)
        {
            var source = NetAddress.FromIPv4((uint)(10 << 24 | 77 << 16 | (100 + i / 60000) << 8 | (i % 250 + 1)));
            var tuple = FlowTuple.Create(IPProtocol.Udp, source, (ushort)(1024 + i % 60000 / 250), destination, 53);
            yield return Flow.ForCreate(tuple, 600, FlowStatus.None, mark: 9);
        }
    }

    private static string Describe(Flow f) => $"{f.Original}|{f.Reply}|{(uint)f.Status & 0x3}|{f.Mark}";
}
