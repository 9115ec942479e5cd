using Microsoft.AspNetCore.Components;
using MudBlazor;
using NatGateway.Core.Cluster;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Nat;
using NatGateway.Web.Components.Cluster;
using Role = NatGateway.Data.Entities.Role;

namespace NatGateway.Web.Components.Pages;

/// <summary>
/// The Cluster page: both nodes (role, VRRP state, VIPs, last transition and why, conntrackd counters, revision in force),
/// the configuration sync, findings, "fail over now" and the configuration form. Live: the page subscribes to
/// <see cref="ClusterMonitor"/> (rebuilt every second while a page is open, and at once on a revision or a peer change),
/// consumed with InvokeAsync and disposed with the page. Every change is a commit-confirmed revision
/// (<see cref="SafeApplyOptions.ConfirmWindow"/>), after a role check on the server (<c>PermitAsync</c>).
/// </summary>
public partial class Cluster : IDisposable
{
    [Inject] private ClusterService Service { get; set; } = default!;
    [Inject] private ClusterMonitor Monitor { get; set; } = default!;
    [Inject] private ClusterSecretStore Secrets { get; set; } = default!;
    [Inject] private NatRulesService Rules { get; set; } = default!;
    [Inject] private SafeApplyOptions SafeApply { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private IDisposable? _subscription;
    private bool _busy, _disposed;
    private string? _error, _secret, _secretError;
    private int _draftMasquerade;

    /// <summary>The view shown; tests assert on it.</summary>
    internal ClusterView? View { get; private set; }

    internal ClusterForm Form { get; private set; } = new();

    private int ConfirmSeconds => (int)SafeApply.ConfirmWindow.TotalSeconds;

    /// <summary>Errors the form has no field for (the list of addresses, enabled with masquerade rules).</summary>
    private IEnumerable<(string Key, string Message)> OtherErrors =>
        Form.Errors.Where(e => e.Key is "enabled" or "virtualAddresses" or "body" || e.Key.StartsWith("virtualAddresses[", StringComparison.Ordinal))
            .Select(e => (e.Key, string.Join("; ", e.Value)));

    protected override async Task OnInitializedAsync()
    {
        _subscription = Monitor.Subscribe(view => InvokeAsync(() =>
        {
            if (_disposed) return;
            View = view;
            StateHasChanged();
        }));
        View = await Service.ViewAsync();
        Form = ClusterForm.From(View.Config);
        await CountDraftMasqueradeAsync();
    }

    private async Task CountDraftMasqueradeAsync() =>
        _draftMasquerade = (await Rules.ListAsync()).OfType<MasqueradeRule>().Count();

    internal async Task SaveAsync()
    {
        if (!await PermitAsync(Role.Admin, "changing the cluster configuration")) return;
        _error = null;
        if (Form.ToConfig() is not { } config) return;
        var extra = await Service.CheckAsync(config);
        if (extra.Count > 0)
        {
            foreach (var (k, v) in extra) Form.Errors[k] = v;
            return;
        }
        await RunAsync(() => Service.ApplyAsync(config, Actor, SafeApply.ConfirmWindow), "cluster configuration");
        Form = ClusterForm.From(View?.Config);
    }

    internal async Task FailoverAsync(bool standDown)
    {
        var action = standDown ? "failing over" : "failing back";
        if (!await PermitAsync(Role.Admin, action, record: false)) return;
        var text = standDown
            ? $"This node stands down (VRRP priority 1) and the peer takes the virtual addresses. Confirm within {ConfirmSeconds} s, or the change is reverted and this node takes over again."
            : $"This node takes its configured priority again and, being preferred, takes the virtual addresses back. Confirm within {ConfirmSeconds} s.";
        var ok = await Dialogs.ShowMessageBoxAsync(standDown ? "Fail over now" : "Fail back", text, yesText: standDown ? "Fail over" : "Fail back", cancelText: "Cancel");
        if (ok != true) return;
        if (!await PermitAsync(Role.Admin, action)) return;
        await RunAsync(() => Service.FailoverAsync(standDown, Actor, SafeApply.ConfirmWindow), standDown ? "fail over" : "fail back");
    }

    internal async Task ConvertAsync()
    {
        if (!await PermitAsync(Role.Admin, "converting masquerade rules to SNAT")) return;
        _busy = true;
        _error = null;
        try
        {
            var outcome = await Service.ConvertMasqueradeAsync(null, Actor);
            if (!outcome.Succeeded) _error = string.Join("; ", outcome.ErrorsByKey().Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
            else Snackbar.Add($"{outcome.Saved.Count} rule(s) converted to SNAT in the draft; apply them on the Rules page.", Severity.Success);
        }
        catch (ClusterActionRefusedException e) { _error = e.Message; }
        finally { _busy = false; }
        await CountDraftMasqueradeAsync();
    }

    internal async Task SaveSecretAsync()
    {
        if (!await PermitAsync(Role.Admin, "setting the cluster's shared secret")) return;
        _secretError = ClusterSecretStore.Problem(_secret);
        if (_secretError is not null) return;
        await Secrets.SetAsync(_secret!, Actor);
        _secret = null;
        Snackbar.Add("Shared secret set.", Severity.Success);
        View = await Service.ViewAsync();
    }

    private async Task RunAsync(Func<Task<ApplyPipelineResult>> run, string what)
    {
        _busy = true;
        _error = null;
        try
        {
            var revision = (await run()).Revision;
            Snackbar.Add($"{what}: revision {revision.Id}; confirm within {ConfirmSeconds} s or it is reverted.", Severity.Success);
            View = await Service.ViewAsync();
        }
        catch (Exception e) when (e is ConfirmationPendingException or ClusterActionRefusedException or ClusterApplyException or RulesInvalidException
                                      or ArgumentException or NatGateway.Core.Settings.SettingsApplyException or NatGateway.Nftables.NftablesException)
        {
            _error = e is RulesInvalidException r ? string.Join("; ", r.Problems.Select(p => $"rule '{p.Name}': {p.Issue.Message}")) : e.Message;
        }
        finally { _busy = false; }
    }

    private static Color StateColor(VrrpState state) => state switch
    {
        VrrpState.Primary => Color.Success,
        VrrpState.Backup => Color.Info,
        VrrpState.Fault => Color.Error,
        _ => Color.Default,
    };

    private static string Running(bool? running) => running switch { true => "running", false => "stopped", null => "unknown" };

    public void Dispose()
    {
        _disposed = true;
        _subscription?.Dispose();
    }
}
