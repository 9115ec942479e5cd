using Prometheus;

namespace NatGateway.Web.Metrics;

/// <summary>What one concern of the scrape contributes: it reads its source (cached, never a full table dump) and sets
/// its metric families just before prometheus-net serializes the registry.</summary>
public interface IScrapeCollector
{
    /// <summary>The concern's name in <c>natgw_scrape_errors_total{collector}</c>.</summary>
    string Name { get; }

    Task CollectAsync(CancellationToken ct);
}

/// <summary>Helpers to mirror absolute values read from elsewhere (kernel counters, service counts) into prometheus-net
/// families, which are built for in-process increments.</summary>
public static class Series
{
    /// <summary>
    /// Sets a counter series to <paramref name="value"/>. prometheus-net counters only go up; a kernel counter that went
    /// down (a 32-bit wrap, the rules re-created by an apply) is exposed as a new series starting from the new value,
    /// which Prometheus' rate() reads as a counter reset, as it should.
    /// </summary>
    public static void SetCounter(Counter counter, double value, params string[] labels)
    {
        var child = counter.WithLabels(labels);
        if (value < child.Value)
        {
            child.Remove();
            child = counter.WithLabels(labels);
        }
        child.IncTo(value);
    }

    /// <summary>Removes every series of <paramref name="family"/> whose labels are not in <paramref name="keep"/>
    /// (a deleted rule, an address no longer translated, a check no longer reported).</summary>
    public static void RemoveOthers<TChild>(Collector<TChild> family, IEnumerable<string[]> keep) where TChild : ChildBase
    {
        var kept = keep.Select(Key).ToHashSet(StringComparer.Ordinal);
        foreach (var labels in family.GetAllLabelValues().ToList())
            if (!kept.Contains(Key(labels))) family.RemoveLabelled(labels);
    }

    private static string Key(string[] labels) => string.Join('\u0001', labels);
}
