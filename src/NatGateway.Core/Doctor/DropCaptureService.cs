using NatGateway.Core.Kernel;

namespace NatGateway.Core.Doctor;

/// <summary>A finished drop capture with when it ended and how long was asked for.</summary>
public sealed record DropCaptureRun(DropCapture Capture, int RequestedSeconds, DateTimeOffset FinishedAt);

/// <summary>A capture was asked for while another runs (one at a time: each costs CPU for its whole duration).</summary>
public sealed class DropCaptureRunningException(DateTimeOffset startedAt, int seconds)
    : InvalidOperationException($"a capture is running (started {startedAt:HH:mm:ss} UTC for {seconds} s); try again when it has finished")
{
    public DateTimeOffset StartedAt { get; } = startedAt;
    public int Seconds { get; } = seconds;
}

/// <summary>
/// On-demand drop captures (<see cref="IHostDiagnostics.CaptureDrops"/>, which agent mode runs in <c>natgw agent</c>):
/// one at a time, 1 to <see cref="MaxSeconds"/> seconds, keeping the latest result. A capture started by a request that
/// is then abandoned (the client went away) still finishes, releases the slot and becomes the latest.
/// </summary>
public sealed class DropCaptureService(IGatewayKernel kernel, TimeProvider clock)
{
    public const int MinSeconds = 1;

    /// <summary>The longest capture; the agent's RequestValidation.MaxCaptureSeconds is this value.</summary>
    public const int MaxSeconds = 60;

    private readonly Lock _gate = new();
    private (DateTimeOffset StartedAt, int Seconds)? _running;

    /// <summary>The latest finished capture, or null before the first.</summary>
    public DropCaptureRun? Latest { get; private set; }

    /// <summary>When the running capture started and how long it lasts, or null when none runs.</summary>
    public (DateTimeOffset StartedAt, int Seconds)? Running
    {
        get { lock (_gate) return _running; }
    }

    /// <summary>Raised when a capture starts or ends (pages re-render).</summary>
    public event Action? Changed;

    /// <summary>Null when <paramref name="seconds"/> is a valid duration, else why not (for a 400 naming the field).</summary>
    public static string? Validate(int seconds) =>
        seconds is < MinSeconds or > MaxSeconds ? $"must be between {MinSeconds} and {MaxSeconds} seconds" : null;

    /// <summary>
    /// Runs a capture. Throws <see cref="ArgumentOutOfRangeException"/> for a bad duration,
    /// <see cref="DropCaptureRunningException"/> while another runs, and <see cref="NotSupportedException"/> (with the
    /// reason) where tracefs or the tracepoint is missing.
    /// </summary>
    public async Task<DropCaptureRun> CaptureAsync(int seconds, CancellationToken ct = default)
    {
        if (Validate(seconds) is { } error) throw new ArgumentOutOfRangeException(nameof(seconds), seconds, error);
        lock (_gate)
        {
            if (_running is { } running) throw new DropCaptureRunningException(running.StartedAt, running.Seconds);
            _running = (clock.GetUtcNow(), seconds);
        }
        Changed?.Invoke();
        // The kernel call blocks for the whole duration (in this process or waiting on the agent): off the caller's thread.
        var capture = Task.Run(() =>
        {
            try
            {
                var result = new DropCaptureRun(kernel.Diagnostics.CaptureDrops(TimeSpan.FromSeconds(seconds)), seconds, clock.GetUtcNow());
                Latest = result;
                return result;
            }
            finally
            {
                lock (_gate) _running = null;
                Changed?.Invoke();
            }
        }, CancellationToken.None);
        return await capture.WaitAsync(ct);
    }
}
