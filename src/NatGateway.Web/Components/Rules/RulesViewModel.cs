using NatGateway.Core.Paging;
using NatGateway.Core.Rules;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Web.Components.Rules;

/// <summary>
/// What the Rules page shows of the rule list: one page of it (server-side paging over
/// <see cref="NatRulesService.QueryAsync"/>), the search and filters, the selection for bulk actions, and the counters of
/// the visible rows only. At 10,000 rules the page holds one page of rules and a set of selected ids, never the whole
/// list. The page renders it and calls it; tests assert on it. Not thread-safe: the page calls it on its circuit only.
/// </summary>
public sealed class RulesViewModel(NatRulesService service)
{
    public static readonly int[] PageSizes = [25, 50, 100, 200];

    /// <summary>
    /// Rows on a page until the operator picks another size: a screen's worth. The first interactive render carries every
    /// row (five buttons, a switch and a checkbox each); at 50 rows the first render batch was 368 KB and the first row took
    /// 0.8–1.1 s to be usable with 10,000 rules, at 25 it is 235 KB and 0.5–0.8 s (issue 12). The API's default stays 50.
    /// </summary>
    public const int DefaultPageSize = 25;

    /// <summary>How many rules "move before" offers for a name search.</summary>
    public const int MaxCandidates = 8;

    private readonly HashSet<Guid> _selected = [];
    private IReadOnlyDictionary<Guid, RuleCounters> _counters = new Dictionary<Guid, RuleCounters>();

    public string? Search { get; private set; }
    public NatRuleKind? Kind { get; private set; }
    public bool? Enabled { get; private set; }
    public int Page { get; private set; } = 1;
    public int PageSize { get; private set; } = DefaultPageSize;

    /// <summary>The visible page: its rules (with their positions in the whole list) and how many match the filter.</summary>
    public PagedList<NatRule> Rows { get; private set; } = new([], 1, DefaultPageSize, 0);

    /// <summary>Rules in the whole list (the arrows need the last position; the filter may hide it).</summary>
    public int TotalRules { get; private set; }

    public bool Filtered => !string.IsNullOrWhiteSpace(Search) || Kind is not null || Enabled is not null;

    public int PageCount => Math.Max(1, Rows.PageCount);

    public RuleQuery Query => new(string.IsNullOrWhiteSpace(Search) ? null : Search.Trim(), Kind, Enabled, Page, PageSize);

    /// <summary>Reads the current page again (after any change, or when someone else changed the draft).</summary>
    public async Task LoadAsync(CancellationToken ct = default)
    {
        Rows = await service.QueryAsync(Query, ct);
        // A page past the end (rules deleted, a narrower filter): show the last one instead of an empty table.
        if (Rows.Items.Count == 0 && Page > 1 && Rows.TotalCount > 0)
        {
            Page = Rows.PageCount;
            Rows = await service.QueryAsync(Query, ct);
        }
        TotalRules = Filtered ? await service.CountAsync(ct) : Rows.TotalCount;
        // Selected rules deleted elsewhere must not be counted in "Delete N rules" (the page unselects what it deletes itself).
        if (_selected.Count > TotalRules) await PruneSelectionAsync(ct);
    }

    private async Task PruneSelectionAsync(CancellationToken ct)
    {
        var existing = (await service.ListAsync(ct)).Select(r => r.Id).ToHashSet();
        _selected.IntersectWith(existing);
    }

    // ---- search, filters, paging: each starts again at page 1 (but paging itself) ----

    public Task SetSearchAsync(string? search)
    {
        if (search is { Length: > RuleQuery.MaxSearchLength }) search = search[..RuleQuery.MaxSearchLength];
        Search = search;
        return RefilterAsync();
    }

    public Task SetKindAsync(NatRuleKind? kind)
    {
        Kind = kind;
        return RefilterAsync();
    }

    public Task SetEnabledAsync(bool? enabled)
    {
        Enabled = enabled;
        return RefilterAsync();
    }

    private Task RefilterAsync()
    {
        // A selection made under another filter would act on rules the operator no longer sees.
        _selected.Clear();
        Page = 1;
        return LoadAsync();
    }

    public Task GoToPageAsync(int page)
    {
        Page = Math.Clamp(page, 1, PageCount);
        return LoadAsync();
    }

    public Task SetPageSizeAsync(int pageSize)
    {
        // Keep the first visible rule on screen.
        var first = (Page - 1) * PageSize;
        PageSize = Math.Clamp(pageSize, 1, Paging.MaxPageSize);
        Page = first / PageSize + 1;
        return LoadAsync();
    }

    // ---- counters: only the visible rows' ----

    /// <summary>Keeps the counters of the visible rules out of all the kernel's (the monitor reads every rule's).</summary>
    public void UpdateCounters(IReadOnlyDictionary<Guid, RuleCounters> all)
    {
        var visible = new Dictionary<Guid, RuleCounters>(Rows.Items.Count);
        foreach (var rule in Rows.Items)
            if (all.TryGetValue(rule.Id, out var c)) visible[rule.Id] = c;
        _counters = visible;
    }

    public RuleCounters Counters(Guid id) => _counters.GetValueOrDefault(id) ?? new RuleCounters(id, 0, 0);

    public int VisibleCounterCount => _counters.Count;

    // ---- selection ----

    public int SelectedCount => _selected.Count;

    public IReadOnlyCollection<Guid> SelectedIds => _selected;

    public bool IsSelected(Guid id) => _selected.Contains(id);

    public void Select(Guid id, bool selected)
    {
        if (selected) _selected.Add(id);
        else _selected.Remove(id);
    }

    /// <summary>True, false or null (some) for the "select all on this page" box.</summary>
    public bool? PageSelection
    {
        get
        {
            var on = Rows.Items.Count(r => _selected.Contains(r.Id));
            return on == 0 ? false : on == Rows.Items.Count ? true : null;
        }
    }

    public void SelectPage(bool selected)
    {
        foreach (var rule in Rows.Items) Select(rule.Id, selected);
    }

    /// <summary>Whether to offer "select all N matching": the whole page is selected and more rules match.</summary>
    public bool CanSelectAllMatching => PageSelection == true && _selected.Count < Rows.TotalCount;

    /// <summary>Selects every rule the search and filters match, on every page (their ids only).</summary>
    public async Task SelectAllMatchingAsync(CancellationToken ct = default)
    {
        var query = Query;
        foreach (var rule in await service.ListAsync(ct))
            if (query.Matches(rule)) _selected.Add(rule.Id);
    }

    public void ClearSelection() => _selected.Clear();

    /// <summary>Enables, disables or deletes the selection as one draft change; on success the selection is cleared.</summary>
    public async Task<BulkOutcome> BulkAsync(BulkAction action, string? actor, CancellationToken ct = default)
    {
        var outcome = await service.BulkAsync(action, _selected.ToList(), actor, ct);
        if (outcome.Saved) _selected.Clear();
        await LoadAsync(ct);
        return outcome;
    }

    // ---- order ----

    public bool CanMoveUp(NatRule rule) => rule.Position > 0;

    public bool CanMoveDown(NatRule rule) => rule.Position < TotalRules - 1;

    /// <summary>Up (-1) or down (+1) in the whole list; from the edge of a page the rule moves to the next page and the view follows it.</summary>
    public Task<RuleSaveOutcome> MoveByAsync(NatRule rule, int delta, string? actor) =>
        MoveAndFollowAsync(rule.Id, service.MoveAsync(rule.Id, delta, actor));

    /// <summary>Moves a rule to <paramref name="position"/> as the page shows it (1 first).</summary>
    public Task<RuleSaveOutcome> MoveToAsync(NatRule rule, int? position, string? actor)
    {
        if (position is null || position < 1 || position > TotalRules)
            return Task.FromResult(new RuleSaveOutcome(null, [new ValidationIssue("position", $"Give a position between 1 and {TotalRules}")]));
        return MoveAndFollowAsync(rule.Id, service.MoveToAsync(rule.Id, position.Value - 1, actor));
    }

    public Task<RuleSaveOutcome> MoveBeforeAsync(NatRule rule, Guid? beforeId, string? actor) =>
        beforeId == rule.Id
            ? Task.FromResult(new RuleSaveOutcome(null, [new ValidationIssue("before", "A rule cannot move before itself")]))
            : MoveAndFollowAsync(rule.Id, service.MoveBeforeAsync(rule.Id, beforeId, actor));

    private async Task<RuleSaveOutcome> MoveAndFollowAsync(Guid id, Task<RuleSaveOutcome> move)
    {
        var outcome = await move;
        // Without a filter, show the page the rule landed on: a move across pages stays in view.
        if (outcome.Saved && !Filtered && await service.GetAsync(id) is { } moved)
            Page = moved.Position / PageSize + 1;
        await LoadAsync();
        return outcome;
    }

    /// <summary>Rules whose name (or summary) contains <paramref name="text"/>, for "move before": a few, in list order.</summary>
    public async Task<IReadOnlyList<NatRule>> FindRulesAsync(string? text, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var trimmed = text.Trim();
        if (trimmed.Length > RuleQuery.MaxSearchLength) trimmed = trimmed[..RuleQuery.MaxSearchLength];
        return (await service.QueryAsync(new RuleQuery(trimmed, PageSize: MaxCandidates), ct)).Items;
    }
}
