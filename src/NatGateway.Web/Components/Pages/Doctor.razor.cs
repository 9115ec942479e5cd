using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using NatGateway.Core.Doctor;
using NatGateway.Core.Revisions;
using NatGateway.Web.Components.Doctor;
using Role = NatGateway.Data.Entities.Role;

namespace NatGateway.Web.Components.Pages;

/// <summary>
/// The Doctor page: the latest report of <see cref="IDoctorReports"/> (the background monitor) grouped by area, worst
/// first, with evidence, explanation and fix buttons; the status history; the charts. New reports arrive through a
/// subscription consumed with InvokeAsync and disposed with the page. Fixes go through <see cref="DoctorFixService"/>
/// (one commit-confirmed revision), after a dialog that says what changes; the confirmation banner takes over then.
/// </summary>
public partial class Doctor : IDisposable
{
    [Inject] private IDoctorReports Reports { get; set; } = default!;
    [Inject] private DoctorFixService Fixes { get; set; } = default!;
    [Inject] private SafeApplyOptions SafeApply { get; set; } = default!;
    [Inject] private IOptions<DoctorOptions> DoctorOptions { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private IServiceProvider Services { get; set; } = default!;

    private IDisposable? _subscription;
    private bool _running, _busy, _disposed;
    private string? _error;

    /// <summary>What the page shows; tests assert on it.</summary>
    internal DoctorViewModel Model { get; private set; } = default!;

    private DoctorOptions Options => DoctorOptions.Value;

    private int ConfirmSeconds => (int)SafeApply.ConfirmWindow.TotalSeconds;

    protected override async Task OnInitializedAsync()
    {
        // The conntrack facts are optional: the page shows the checks without its charts where they are not registered.
        Model = new DoctorViewModel(Reports, Services.GetService(typeof(IConntrackDoctorFacts)) as IConntrackDoctorFacts);
        _subscription = Reports.Subscribe(report => InvokeAsync(async () =>
        {
            if (_disposed) return;
            Model.Show(report);
            await Model.LoadHistoryAsync();
            StateHasChanged();
        }));
        await Model.LoadAsync();
    }

    internal async Task RunNowAsync()
    {
        _running = true;
        _error = null;
        try { await Model.RunNowAsync(); }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            _error = $"The checks could not run: {e.Message}";
        }
        finally { _running = false; }
    }

    private Task GoToHistoryPageAsync(int page) => Model.GoToHistoryPageAsync(page);

    internal async Task ApplyFixAsync(CheckResult check, DoctorFix fix)
    {
        if (!await PermitAsync(Role.Admin, $"applying the doctor fix '{fix.Label}'", record: false)) return;
        var ok = await Dialogs.ShowMessageBoxAsync(fix.Label,
            $"{fix.Description}. This is applied as a new revision that must be confirmed within {ConfirmSeconds} s, or it is reverted by itself.",
            yesText: "Apply fix", cancelText: "Cancel");
        if (ok != true) return;
        // Checked again after the dialog: the role may have been taken away while it was open. This one is recorded.
        if (!await PermitAsync(Role.Admin, $"applying the doctor fix '{fix.Label}'")) return;
        _busy = true;
        _error = null;
        try
        {
            var outcome = await Fixes.ApplyAsync(check.Id, fix, Actor, SafeApply.ConfirmWindow);
            Snackbar.Add($"{outcome.Fix.Label}: applied as revision {outcome.Revision.Id}; confirm within {ConfirmSeconds} s or it is reverted.", Severity.Success);
        }
        catch (Exception e) when (e is DoctorFixUnavailableException or DoctorFixRefusedException or ConfirmationPendingException
                                      or NatGateway.Core.Settings.SettingsApplyException or NatGateway.Nftables.NftablesException
                                      or NatGateway.Core.Rules.RulesInvalidException or IOException)
        {
            _error = e.Message;
        }
        finally { _busy = false; }
        if (_error is null) await RunNowAsync();
    }

    private static List<ChartSeries<double>> Series(string name, IReadOnlyList<ChartBar> bars) =>
        [new ChartSeries<double> { Name = name, Data = new ChartData<double>(bars.Select(b => b.Value).ToList()) }];

    private static string[] Labels(IReadOnlyList<ChartBar> bars) => bars.Select(b => b.Label).ToArray();

    public void Dispose()
    {
        _disposed = true;
        _subscription?.Dispose();
    }
}
