using System.Globalization;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// Raises the global <c>net.netfilter.nf_conntrack_max</c> (writable only in the initial network namespace, which is
/// where the benchmark's main thread runs) for the duration of a run and puts the saved value back on Dispose.
/// Dispose is idempotent and thread-safe, so the Ctrl-C handler and the normal <c>finally</c> can both call it.
/// nf_conntrack_buckets is left alone: a longer hash chain slows inserts a little but changes nobody else's table.
/// </summary>
internal sealed class GlobalConntrackMax : IDisposable
{
    private const string Path = "/proc/sys/net/netfilter/nf_conntrack_max";
    private readonly string? _saved;
    private int _restored;

    public GlobalConntrackMax(long needed, TextWriter output)
    {
        var current = Read();
        Original = current;
        if (needed <= current)
        {
            output.WriteLine($"nf_conntrack_max {current:N0} already ≥ {needed:N0}: left as it is");
            return;
        }
        _saved = current.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(Path, needed.ToString(CultureInfo.InvariantCulture));
        output.WriteLine($"nf_conntrack_max raised from {current:N0} to {needed:N0} for the run (restored at the end, also on Ctrl-C)");
    }

    /// <summary>The value before the run.</summary>
    public long Original { get; }

    private static long Read() => long.Parse(File.ReadAllText(Path).Trim(), CultureInfo.InvariantCulture);

    public void Dispose()
    {
        if (_saved is null || Interlocked.Exchange(ref _restored, 1) == 1) return;
        File.WriteAllText(Path, _saved);
    }
}
