using Microsoft.AspNetCore.Components;
using MudBlazor;
using NatGateway.Core.Rules;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.Web.Components.Rules;
using Role = NatGateway.Data.Entities.Role;

namespace NatGateway.Web.Components.Pages;

/// <summary>
/// The Rules page: one page of the draft at a time (<see cref="RulesViewModel"/>), so 10,000 rules render as fast as 50.
/// Live data (draft changes, counters) arrive through subscriptions consumed with InvokeAsync and disposed with the page.
/// </summary>
public partial class Rules : IDisposable
{
    private PendingChanges? _pending;
    private DriftReport? _drift;
    private IDisposable? _subscription;
    private string? _comment, _bulkError;
    private bool _showPreview, _busy, _disposed;
    // Browser changes are commit-confirmed by default: a rule that cuts the operator off reverts by itself.
    private bool _confirm = true;
    private bool _purge;
    private long _affectedFlows;
    private NatRule? _moving;
    private MudMenu? _addMenu;
    // Stops the live reads of a page closed before they finished (at 10,000 rules they take long).
    private readonly CancellationTokenSource _closed = new();

    /// <summary>Completes when the layout's circuit marker is in the browser (null without the layout, as in bUnit).</summary>
    [CascadingParameter(Name = "LayoutInteractive")] private Task? LayoutInteractive { get; set; }

    /// <summary>What the page shows of the list; tests assert on it.</summary>
    internal RulesViewModel Model { get; private set; } = default!;

    private int ConfirmSeconds => (int)SafeApply.ConfirmWindow.TotalSeconds;

    protected override async Task OnInitializedAsync()
    {
        Model = new RulesViewModel(Service);
        // Only the first page is read before the first render (prerender included): the pending diff, drift and counters
        // come after it, so the rules are on screen without waiting for them.
        await Model.LoadAsync();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        Service.Changed += OnChanged;
        _ = StartLiveAsync();
    }

    /// <summary>
    /// Counters, the pending diff and the drift check, after the page is usable: they start once the layout's circuit
    /// marker reached the browser, and run off the circuit's thread. At 10,000 rules they read every counter, diff the
    /// draft against the revision in force and list the kernel's table; started with the first render they took the two
    /// cores the render that makes the page usable needed.
    /// </summary>
    private async Task StartLiveAsync()
    {
        if (LayoutInteractive is { } interactive)
        {
            try { await interactive.WaitAsync(_closed.Token); }
            catch (OperationCanceledException) { return; }
        }
        if (_disposed) return;
        _subscription = Counters.Subscribe(c => InvokeAsync(() =>
        {
            if (_disposed) return;
            Model.UpdateCounters(c);
            StateHasChanged();
        }), () => Presence.Connected);
        await Task.Run(() => LoadLiveAsync(_closed.Token));
    }

    private async Task LoadLiveAsync(CancellationToken ct)
    {
        try
        {
            // The kernel lists our whole table for counters (10,000 rules: hundreds of ms): pages opened one after another
            // (and the API's list) share one read a few seconds old rather than each reading it again.
            var counters = await SharedCounters.ReadAsync();
            ct.ThrowIfCancellationRequested();
            var (pending, flows) = await ReadPendingAsync(withRuleset: false, ct);
            DriftReport? drift;
            try { drift = await Service.DetectDriftAsync(ct); }
            catch (Exception e) when (e is NftablesException or InvalidOperationException) { drift = null; }
            // One update, so the page re-renders once for all of it.
            await InvokeAsync(() =>
            {
                if (_disposed) return;
                Model.UpdateCounters(counters);
                // A change made meanwhile has read them already (and perhaps with the ruleset).
                if (_pending is null) (_pending, _affectedFlows) = (pending, flows);
                _drift = drift;
                StateHasChanged();
            });
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    private async Task LoadAsync()
    {
        await Model.LoadAsync();
        // The move panel shows the rule's position: read it again (null closes the panel of a rule deleted elsewhere).
        if (_moving is not null) _moving = await Service.GetAsync(_moving.Id);
        await LoadPendingAsync();
    }

    private async Task LoadPendingAsync() => (_pending, _affectedFlows) = await ReadPendingAsync(_showPreview);

    private async Task<(PendingChanges Pending, long AffectedFlows)> ReadPendingAsync(bool withRuleset, CancellationToken ct = default)
    {
        // The generated ruleset is rendered only when the preview is open (it costs a scratch-namespace apply).
        var pending = await Service.GetPendingAsync(withRuleset, ct);
        ct.ThrowIfCancellationRequested();
        // Lint before apply: the same report GET /api/v1/rules/pending carries (host reads; off the circuit's thread at first load).
        if (pending.HasChanges) pending = pending with { Lint = (await Lint.LintDraftAsync(ct)).First(MaxLintShown) };
        ct.ThrowIfCancellationRequested();
        long affected = 0;
        if (pending.HasChanges)
        {
            try
            {
                // Connections that rules being changed or removed created (from the conntrack mark): the operator may drop just those.
                var changed = await Revisions.ChangedMarkIdsAsync(ct);
                if (changed.Count > 0) affected = Flows.CountWithMarkIds(changed);
            }
            catch (Exception e) when (e is NotSupportedException or NatGateway.Netlink.NetlinkException or IOException) { affected = 0; }
        }
        return (pending, affected);
    }

    /// <summary>Lint warnings the pending bar shows before "Show all", and at most after it.</summary>
    internal const int LintCollapsedCount = 3;
    internal const int MaxLintShown = NatGateway.Core.Rules.Lint.LintReport.SummaryLimit;
    private bool _showAllLint;

    private static string LintTitle(int count) => count == 1 ? "1 lint warning" : $"{count} lint warnings";

    /// <summary>The short label of a lint finding's kind, as the pending bar shows it.</summary>
    internal static string LintLabel(NatGateway.Core.Rules.Lint.LintKind kind) => kind switch
    {
        NatGateway.Core.Rules.Lint.LintKind.ForeignForwardDrop => "Dropped by another table",
        NatGateway.Core.Rules.Lint.LintKind.DnatTargetUnrouted => "No route to target",
        NatGateway.Core.Rules.Lint.LintKind.MasqueradeWithoutAddress => "Masquerade without address",
        NatGateway.Core.Rules.Lint.LintKind.SnatPoolTooSmall => "SNAT pool too small",
        NatGateway.Core.Rules.Lint.LintKind.HairpinNeeded => "Hairpin needed",
        _ => kind.ToString(),
    };

    private static string RulesText(int count) => count == 1 ? "1 rule" : $"{count:N0} rules";

    private string CountText => Model.Filtered
        ? $"{Model.Rows.TotalCount:N0} of {RulesText(Model.TotalRules)} match"
        : RulesText(Model.TotalRules);

    /// <summary>"10.0.0.2:80 weight 2 (50%)": a backend of a load-balanced forward and its share of new connections.</summary>
    internal static string BackendText(LoadBalanceRule rule, int index)
    {
        var backend = rule.Backends[index];
        var total = rule.Backends.Sum(b => b.Weight);
        var address = backend.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{backend.Address}]" : backend.Address.ToString();
        var share = total > 0 ? $" ({100.0 * backend.Weight / total:0.#}%)" : "";
        return $"→ {address}{(backend.Port is { } port ? $":{port}" : "")} weight {backend.Weight}{share}"
            + (index == 0 ? $", {NatRuleJson.MethodText(rule.Method)}" : "");
    }

    /// <summary>"timeouts: tcp established 600 s, udp 5 s / 10 s": the policy a rule sets on its connections.</summary>
    internal static string TimeoutsText(ConntrackTimeoutPolicy timeouts)
    {
        var parts = new List<string>();
        if (timeouts.TcpEstablished is { } tcp) parts.Add($"tcp established {tcp} s");
        if (timeouts.UdpUnreplied is { } unreplied) parts.Add($"udp unreplied {unreplied} s");
        if (timeouts.UdpReplied is { } replied) parts.Add($"udp replied {replied} s");
        return "conntrack timeouts: " + string.Join(", ", parts);
    }

    // ---- search, filters, paging ----

    internal Task SearchAsync(string? text) => Model.SetSearchAsync(text);

    // Internal and re-rendering by themselves: tests call them as the selects would.
    internal async Task KindAsync(NatRuleKind? kind)
    {
        await Model.SetKindAsync(kind);
        StateHasChanged();
    }

    internal async Task EnabledAsync(bool? enabled)
    {
        await Model.SetEnabledAsync(enabled);
        StateHasChanged();
    }

    internal async Task PageSizeAsync(int size)
    {
        await Model.SetPageSizeAsync(size);
        StateHasChanged();
    }

    private Task GoToPageAsync(int page) => Model.GoToPageAsync(page);

    // ---- selection and bulk actions ----

    private void SelectPage() => Model.SelectPage(Model.PageSelection != true);

    private Task SelectAllMatchingAsync() => Model.SelectAllMatchingAsync();

    private void ClearSelection()
    {
        Model.ClearSelection();
        _bulkError = null;
    }

    internal async Task BulkAsync(BulkAction action)
    {
        var count = Model.SelectedCount;
        var verb = action switch { BulkAction.Enable => "enabling", BulkAction.Disable => "disabling", _ => "deleting" };
        if (count == 0 || !await PermitAsync(Role.Admin, $"{verb} rules")) return;
        if (action == BulkAction.Delete)
        {
            var confirmed = await Dialogs.ShowMessageBoxAsync("Delete rules",
                $"Delete {RulesText(count)}? Rules in force stay in the kernel until you apply.", yesText: $"Delete {RulesText(count)}", cancelText: "Cancel");
            if (confirmed != true) return;
        }
        _busy = true;
        _bulkError = null;
        try
        {
            var outcome = await Model.BulkAsync(action, Actor);
            if (outcome.Saved)
            {
                Snackbar.Add(action switch
                {
                    BulkAction.Enable => $"Enabled {RulesText(outcome.Changed)}.",
                    BulkAction.Disable => $"Disabled {RulesText(outcome.Changed)}.",
                    _ => $"Deleted {RulesText(outcome.Changed)}.",
                } + " Apply to put it in the kernel.", Severity.Info);
            }
            else
            {
                // All or nothing: the selection stays, and the errors say which rules stopped it.
                _bulkError = $"Nothing was changed: {string.Join("; ", outcome.Errors.Take(5).Select(e => e.Message))}"
                    + (outcome.Errors.Count > 5 ? $" (and {outcome.Errors.Count - 5} more)" : "");
            }
            await LoadPendingAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    // ---- one rule ----

    // The menu item's click lasts until the editor closes: close the menu first so it does not stay open over the dialog.
    internal async Task CreateAsync(NatRuleKind kind)
    {
        if (_addMenu is not null) await _addMenu.CloseMenuAsync();
        if (!await PermitAsync(Role.Admin, "adding a rule", record: false)) return;
        await OpenEditorAsync(RuleForm.New(kind), isNew: true);
    }

    internal async Task EditAsync(NatRule rule)
    {
        if (!await PermitAsync(Role.Admin, "editing a rule", record: false)) return;
        await OpenEditorAsync(RuleForm.From(rule), isNew: false);
    }

    private async Task OpenEditorAsync(RuleForm form, bool isNew)
    {
        var parameters = new DialogParameters<RuleEditorDialog> { { d => d.Form, form }, { d => d.IsNew, isNew } };
        var dialog = await Dialogs.ShowAsync<RuleEditorDialog>(null, parameters, new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: RuleSaveOutcome outcome })
        {
            // One snackbar per save: the warnings (in words) are part of it.
            Snackbar.Add($"Saved '{outcome.Rule!.Name}'. Apply to put it in the kernel."
                + string.Concat(outcome.Warnings.Select(w => $" {w.Message}")), outcome.Warnings.Any() ? Severity.Warning : Severity.Info);
            await LoadAsync();
        }
    }

    internal async Task ToggleAsync(NatRule rule, bool enabled)
    {
        if (!await PermitAsync(Role.Admin, "enabling or disabling a rule")) return;
        var outcome = await Service.SetEnabledAsync(rule.Id, enabled, Actor);
        if (outcome is { Saved: false }) Snackbar.Add(string.Join("; ", outcome.Errors.Select(e => e.Message)), Severity.Error);
        await LoadAsync();
    }

    /// <summary>Up (-1) or down (+1) in the whole list, across page boundaries (the view follows the rule).</summary>
    internal async Task MoveAsync(NatRule rule, int delta)
    {
        if (!await PermitAsync(Role.Admin, "reordering rules")) return;
        var outcome = await Model.MoveByAsync(rule, delta, Actor);
        if (!outcome.Saved) Snackbar.Add("Cannot move: " + string.Join("; ", outcome.Errors.Select(e => e.Message)), Severity.Error);
        await LoadPendingAsync();
    }

    private async Task MovedAsync(NatRule rule)
    {
        _moving = null;
        await LoadPendingAsync();
    }

    internal async Task DeleteAsync(NatRule rule)
    {
        if (!await PermitAsync(Role.Admin, "deleting a rule")) return;
        // Only a rule in force has anything in the kernel; one that was never applied just leaves the draft.
        // (The pending diff arrives after the first render: a click before it reads it now.)
        if (_pending is null) await LoadPendingAsync();
        var neverApplied = _pending?.RuleChanges.Any(c => c.RuleId == rule.Id && c.Change == "added") == true;
        var consequence = neverApplied ? "It was never applied, so the kernel does not change." : "It stays in the kernel until you apply.";
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete rule", $"Delete '{rule.Name}'? {consequence}", yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true) return;
        await Service.DeleteAsync(rule.Id, Actor);
        Model.Select(rule.Id, false);
        if (_moving?.Id == rule.Id) _moving = null;
        await LoadAsync();
    }

    // ---- the pending-changes bar ----

    internal async Task ApplyAsync(string? comment)
    {
        if (!await PermitAsync(Role.Admin, "applying rules")) return;
        // The field shows the error; nothing is applied with a comment over the limit.
        if (NatGateway.Core.TextLimits.CommentError(comment) is not null) return;
        _busy = true;
        try
        {
            var revision = await Revisions.ApplyRulesAsync(comment, Actor, _confirm ? TimeSpan.FromSeconds(ConfirmSeconds) : null, _purge && _affectedFlows > 0);
            _purge = false;
            // One snackbar per apply: the purge outcome is part of it.
            Snackbar.Add((_confirm
                ? $"Applied as revision {revision.Id}. Confirm within {ConfirmSeconds} s or it is reverted."
                : $"Applied as revision {revision.Id}.") + (revision.Outcome is { } outcome ? $" {char.ToUpperInvariant(outcome[0])}{outcome[1..]}." : ""), Severity.Success);
            _comment = null;
            _showPreview = false;
            _drift = null;
            await LoadAsync();
        }
        catch (RulesInvalidException e)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
        catch (NftablesException e)
        {
            Snackbar.Add($"nftables refused the ruleset; the kernel is unchanged: {e.NftError}", Severity.Error);
        }
        catch (NatGateway.Core.Revisions.ConfirmationPendingException e)
        {
            Snackbar.Add(e.Message, Severity.Warning);
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task TogglePreviewAsync()
    {
        _showPreview = !_showPreview;
        if (_showPreview) _pending = await Service.GetPendingAsync(withRuleset: true);
    }

    internal async Task DiscardAsync()
    {
        if (!await PermitAsync(Role.Admin, "discarding pending changes")) return;
        if (_pending is null) await LoadPendingAsync();
        var count = _pending?.RuleChanges.Count ?? 0;
        var inForce = _pending?.BasedOnRevision is { } id ? $"revision {id}, the one in force" : "no rules (nothing was applied yet)";
        var confirmed = await Dialogs.ShowMessageBoxAsync("Discard changes",
            $"Discard {count} pending change(s)? The rule list goes back to {inForce}. The kernel does not change.",
            yesText: "Discard", cancelText: "Keep editing");
        if (confirmed != true) return;
        var dropped = await Service.DiscardDraftAsync();
        Snackbar.Add($"Discarded {dropped} pending change(s).", Severity.Info);
        _showPreview = false;
        await LoadAsync();
    }

    internal async Task ReapplyAsync()
    {
        if (!await PermitAsync(Role.Admin, "re-applying the revision in force")) return;
        try
        {
            // Like Apply: commit-confirmed, so a re-apply that cuts the operator off reverts by itself.
            var revision = await Revisions.ReapplyActiveAsync(Actor, TimeSpan.FromSeconds(ConfirmSeconds));
            _drift = null;
            Snackbar.Add($"Re-applied the revision in force as revision {revision?.Id}. Confirm within {ConfirmSeconds} s or it is reverted.", Severity.Success);
        }
        catch (Exception e) when (e is NftablesException or NatGateway.Core.Revisions.ConfirmationPendingException)
        {
            Snackbar.Add(e.Message, Severity.Error);
        }
    }

    private void OnChanged() => InvokeAsync(async () =>
    {
        if (_disposed) return;
        await LoadAsync();
        StateHasChanged();
    });

    public void Dispose()
    {
        _disposed = true;
        _closed.Cancel();
        Service.Changed -= OnChanged;
        _subscription?.Dispose();
    }
}
