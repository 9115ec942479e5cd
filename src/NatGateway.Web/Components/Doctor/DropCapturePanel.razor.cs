using Microsoft.AspNetCore.Components;
using NatGateway.Core.Doctor;
using NatGateway.Core.Kernel;
using Role = NatGateway.Data.Entities.Role;

namespace NatGateway.Web.Components.Doctor;

/// <summary>
/// Runs a drop capture through <see cref="DropCaptureService"/> (operator; the role is checked again on the server
/// before it starts), shows its progress, then the counts as bar charts and tables. Shows the latest capture anyone
/// ran, and another user's capture in progress, through the service's <see cref="DropCaptureService.Changed"/> event.
/// </summary>
public partial class DropCapturePanel : IDisposable
{
    [Inject] private DropCaptureService Service { get; set; } = default!;
    [Inject] private TimeProvider Clock { get; set; } = default!;

    private int _seconds = 10;
    private string? _error;
    private bool _mine, _disposed;
    private CancellationTokenSource? _ticker;

    /// <summary>What the panel shows of the latest capture; tests assert on it.</summary>
    internal DropCaptureViewModel? Model { get; private set; }

    private bool Busy => Service.Running is not null;

    protected override void OnInitialized()
    {
        Service.Changed += OnServiceChanged;
        if (Service.Latest is { } latest) Model = new DropCaptureViewModel(latest);
        if (Service.Running is not null) StartTicker();
    }

    /// <summary>Starts a capture of <see cref="_seconds"/> seconds; the Capture button's handler.</summary>
    internal async Task CaptureAsync()
    {
        if (!await PermitAsync(Role.Operator, "capturing packet drops")) return;
        _error = null;
        _mine = true;
        try
        {
            var run = await Service.CaptureAsync(_seconds);
            Model = new DropCaptureViewModel(run);
        }
        catch (ArgumentOutOfRangeException)
        {
            _error = $"Seconds {DropCaptureService.Validate(_seconds)}.";
        }
        catch (DropCaptureRunningException e)
        {
            _error = $"Not started: {e.Message}.";
        }
        catch (NotSupportedException e)
        {
            _error = $"Drop capture is not available on this host: {e.Message}.";
        }
        catch (KernelUnavailableException e)
        {
            _error = $"The kernel agent is not answering: {e.Reason}.";
        }
        finally
        {
            _mine = false;
        }
    }

    private void OnServiceChanged()
    {
        if (_disposed) return;
        _ = InvokeAsync(() =>
        {
            if (_disposed) return;
            if (Service.Running is not null) StartTicker();
            else
            {
                _ticker?.Cancel();
                if (Service.Latest is { } latest && !ReferenceEquals(latest, Model?.Run)) Model = new DropCaptureViewModel(latest);
            }
            StateHasChanged();
        });
    }

    /// <summary>Re-renders twice a second while a capture runs, so the progress bar moves.</summary>
    private void StartTicker()
    {
        if (_ticker is { IsCancellationRequested: false }) return;
        var ticker = _ticker = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500), Clock);
            try
            {
                while (await timer.WaitForNextTickAsync(ticker.Token) && Service.Running is not null)
                    await InvokeAsync(StateHasChanged);
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    private string Elapsed(DateTimeOffset startedAt) =>
        Math.Max(0, (Clock.GetUtcNow() - startedAt).TotalSeconds).ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " s";

    private double Progress((DateTimeOffset StartedAt, int Seconds) running) =>
        Math.Clamp((Clock.GetUtcNow() - running.StartedAt).TotalSeconds / running.Seconds * 100, 0, 100);

    public void Dispose()
    {
        _disposed = true;
        Service.Changed -= OnServiceChanged;
        _ticker?.Cancel();
        GC.SuppressFinalize(this);
    }
}
