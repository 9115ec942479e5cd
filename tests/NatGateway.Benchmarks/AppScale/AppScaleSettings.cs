namespace NatGateway.Benchmarks.AppScale;

/// <summary>The rows of issue 12's table (<c>--only</c> picks one; the names are the option's values).</summary>
internal enum AppScaleRow { Apply, Import, Create, Pending, List, Page, OneByOne, History }

/// <summary>
/// One run of <c>app-scale</c>: the rule counts (UDP port forwards + 1 masquerade), rounds per timed row, agent mode
/// unless SingleProcess, the rows to measure, and the caps that keep a run of a slow build finite.
/// </summary>
internal sealed record AppScaleSettings(
    int[] RuleCounts,
    int Rounds,
    bool SingleProcess,
    IReadOnlySet<AppScaleRow> Rows,
    string NatgwPath,
    int CreateSamples = 30,
    int OneByOneCap = 2_000,
    TimeSpan OneByOneTimeLimit = default,
    TimeSpan PageTimeout = default,
    int HistoryRevisions = 1_000)
{
    public bool Measures(AppScaleRow row) => Rows.Contains(row);

    public TimeSpan OneByOneLimit => OneByOneTimeLimit == default ? TimeSpan.FromSeconds(120) : OneByOneTimeLimit;

    public TimeSpan PageLimit => PageTimeout == default ? TimeSpan.FromSeconds(120) : PageTimeout;
}
