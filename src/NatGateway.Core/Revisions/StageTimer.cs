using System.Diagnostics;
using System.Globalization;

namespace NatGateway.Core.Revisions;

/// <summary>Wall-clock time per stage of an apply, for its log line ("journal 120 ms, nftables 210 ms, ...").</summary>
internal sealed class StageTimer
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly List<(string Stage, double Ms)> _laps = [];
    private TimeSpan _last;

    /// <summary>Ends the stage <paramref name="stage"/> now.</summary>
    public void Lap(string stage)
    {
        var now = _watch.Elapsed;
        _laps.Add((stage, (now - _last).TotalMilliseconds));
        _last = now;
    }

    public long TotalMilliseconds => (long)_watch.Elapsed.TotalMilliseconds;

    public override string ToString() =>
        string.Join(", ", _laps.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Stage} {l.Ms:0} ms")));
}
