using NatGateway.Data.Entities;

namespace NatGateway.Core.Revisions;

/// <summary>
/// How many revisions are kept (<c>natgw serve --keep-revisions N --keep-revisions-days D</c>). Each revision holds the
/// whole state (stored once per distinct document, compressed: ~0.4 MB per changed 10,000-rule list), so an unbounded
/// history still grows the database with every apply.
/// </summary>
public sealed class RevisionRetention
{
    public const int DefaultKeepCount = 1000;
    public const int DefaultKeepDays = 365;

    /// <summary>The newest this many revisions are kept; older ones are pruned.</summary>
    public int KeepCount { get; init; } = DefaultKeepCount;

    /// <summary>Revisions older than this many days are pruned, however few there are.</summary>
    public int KeepDays { get; init; } = DefaultKeepDays;

    /// <summary>
    /// The ids to delete from <paramref name="revisions"/> (any order): those beyond the newest <see cref="KeepCount"/> or older
    /// than <see cref="KeepDays"/> — never the revision in force (nor the one before it), one pending confirmation (or still
    /// applying), nor the revision a pending one reverts to.
    /// </summary>
    public IReadOnlyList<long> Prunable(IReadOnlyList<RevisionHeader> revisions, DateTimeOffset now)
    {
        var newestFirst = revisions.OrderByDescending(r => r.Id).ToList();
        var inForce = newestFirst.FirstOrDefault(r => r.State.IsInForce());
        var keep = new HashSet<long>();
        // The one in force, and the one before it: a rollback that was not commit-confirmed still merges the draft against it.
        if (inForce is not null) keep.Add(inForce.Id);
        if (inForce?.PreviousRevisionId is { } beforeInForce) keep.Add(beforeInForce);
        foreach (var r in newestFirst.Where(r => r.State is RevisionState.PendingConfirmation or RevisionState.Applying))
        {
            keep.Add(r.Id);
            if (r.PreviousRevisionId is { } previous) keep.Add(previous);
        }
        var cutoff = now - TimeSpan.FromDays(KeepDays);
        return newestFirst.Select((r, index) => (r, index))
            .Where(x => !keep.Contains(x.r.Id) && (x.index >= KeepCount || x.r.CreatedAt < cutoff))
            .Select(x => x.r.Id)
            .ToList();
    }
}

/// <summary>What retention needs to know of a revision (none of its documents).</summary>
public sealed record RevisionHeader(long Id, DateTimeOffset CreatedAt, RevisionState State, long? PreviousRevisionId);
