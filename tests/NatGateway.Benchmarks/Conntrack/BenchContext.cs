using NatGateway.Conntrack;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>Sizes of one run (<c>conntrack [--entries N] [--rounds N] [--queries N] [--delete N] [--burst N] [--nat-rules N] [--natgw PATH] [--single-process] [--only query|nat]</c>);
/// Only runs just the fill and items 6, 3 and 3h (query) or the NAT apply row (nat), quicker while working on one path.
/// SingleProcess measures the old way (no agent: the CLI, natgw serve and the benchmark reach the kernel themselves).</summary>
internal sealed record ConntrackBenchSettings(int Entries, int Rounds, int Queries, int HotEntries, int BurstEntries, string NatgwPath,
    BenchOnly Only = BenchOnly.All, bool SingleProcess = false, int NatRules = 10_000)
{
    public bool OnlyQuery => Only == BenchOnly.Query;
}

/// <summary>Which items a run measures (<c>--only</c>).</summary>
internal enum BenchOnly { All, Query, Nat }

/// <summary>What every measurement phase shares: the namespace, a ctnetlink client made inside it, and the report.</summary>
internal sealed record BenchContext(
    ConntrackBenchSettings Settings,
    ConntrackBenchNamespace Namespace,
    ConntrackClient Client,
    RunGuard Guard,
    BenchReport Report,
    TextWriter Output,
    BenchAgent? Agent = null)
{
    /// <summary>"through the agent" or "single-process": how the figures of this run reach the kernel.</summary>
    public string ModeText => Agent is null ? "single-process" : "through the agent";

    public string Ns => Namespace.Name;

    /// <summary>Entries in the namespace's table right now (<c>conntrack -C</c>).</summary>
    public long KernelCount => Client.Count();

    public void Log(string line) => Output.WriteLine("   " + line);
}
