using NatGateway.Core.Rules;
using NatGateway.Data;

namespace NatGateway.Web.Api;

/// <summary>
/// Rule names by mark id for the conntrack page's "rule" column, read from the rules once and then again only after
/// a commit to the database (<see cref="DatabaseChangeStamp"/>): a conntrack page served from the mirror then costs no
/// query. A rule added, renamed or removed (by the web process or the CLI) is seen by the next page.
/// </summary>
public sealed class RuleNameCache(NatRulesService rules, DatabaseChangeStamp changes)
{
    private sealed record Entry(long Stamp, IReadOnlyDictionary<int, string> Names);

    private Entry? _entry;

    public async Task<IReadOnlyDictionary<int, string>> GetAsync(CancellationToken ct)
    {
        // Read before the rules: a commit in between leaves a stale stamp, so the next call reads again.
        var stamp = changes.Current();
        if (Volatile.Read(ref _entry) is { } entry && entry.Stamp == stamp) return entry.Names;
        var names = (await rules.ListAsync(ct)).Where(r => r.MarkId > 0).GroupBy(r => r.MarkId).ToDictionary(g => g.Key, g => g.First().Name);
        Volatile.Write(ref _entry, new Entry(stamp, names));
        return names;
    }
}
