using NatGateway.Conntrack;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>Sizes of one run (<c>conntrack [--entries N] [--rounds N] [--queries N] [--delete N] [--burst N] [--natgw PATH] [--only query]</c>);
/// OnlyQuery runs just the fill and items 6, 3 and 3h (quicker while working on the query path).</summary>
internal sealed record ConntrackBenchSettings(int Entries, int Rounds, int Queries, int HotEntries, int BurstEntries, string NatgwPath, bool OnlyQuery = false);

/// <summary>What every measurement phase shares: the namespace, a ctnetlink client made inside it, and the report.</summary>
internal sealed record BenchContext(
    ConntrackBenchSettings Settings,
    ConntrackBenchNamespace Namespace,
    ConntrackClient Client,
    RunGuard Guard,
    BenchReport Report,
    TextWriter Output)
{
    public string Ns => Namespace.Name;

    /// <summary>Entries in the namespace's table right now (<c>conntrack -C</c>).</summary>
    public long KernelCount => Client.Count();

    public void Log(string line) => Output.WriteLine("   " + line);
}
