using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Client;

/// <summary>
/// Whether <c>natgw agent</c> answers. A failed connect or broken connection marks it unavailable with the reason
/// ("natgw agent at PATH: connection refused"); a background loop then probes with backoff (first retry fast, doubling
/// to a cap, like Core/Background/RetryBackoff) and flips it back to available when a Hello succeeds.
/// </summary>
public sealed class AgentAvailability(string socketPath, TimeProvider? clock = null) : IKernelAvailability, IDisposable
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _reconnect;

    public bool IsAvailable { get; private set; } = true;
    public string? Reason { get; private set; }
    public DateTimeOffset Since { get; private set; } = DateTimeOffset.UtcNow;
    public event Action? Changed;

    /// <summary>Called when a Hello succeeds: back to available.</summary>
    public void MarkAvailable()
    {
        lock (_gate)
        {
            if (IsAvailable) return;
            IsAvailable = true;
            Reason = null;
            Since = _clock.GetUtcNow();
        }
        Changed?.Invoke();
    }

    /// <summary>Records the failure and starts the reconnect loop; returns the exception callers throw.</summary>
    public KernelUnavailableException MarkUnavailable(Exception cause)
    {
        var reason = $"natgw agent at {socketPath}: {Describe(cause)}";
        var changed = false;
        lock (_gate)
        {
            if (IsAvailable || Reason != reason)
            {
                changed = IsAvailable;
                IsAvailable = false;
                Reason = reason;
                if (changed) Since = _clock.GetUtcNow();
            }
            if (_reconnect is null || _reconnect.IsCompleted) _reconnect = Task.Run(ReconnectLoopAsync);
        }
        if (changed) Changed?.Invoke();
        return cause as KernelUnavailableException ?? new KernelUnavailableException(reason, cause);
    }

    private static string Describe(Exception e) => e switch
    {
        KernelUnavailableException k => k.Reason,
        System.Net.Sockets.SocketException s => s.SocketErrorCode switch
        {
            System.Net.Sockets.SocketError.ConnectionRefused => "connection refused",
            System.Net.Sockets.SocketError.AddressNotAvailable => "no socket there",
            System.Net.Sockets.SocketError.AccessDenied => "permission denied",
            _ => s.Message,
        },
        EndOfStreamException => "the agent closed the connection",
        IOException { InnerException: System.Net.Sockets.SocketException } => "the agent closed the connection",
        _ => e.Message,
    };

    private async Task ReconnectLoopAsync()
    {
        var delay = FirstRetry;
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.Delay(delay, _clock, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            try
            {
                using var probe = AgentConnection.Open(socketPath, TimeSpan.FromSeconds(5));
                MarkAvailable();
                return;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                lock (_gate) Reason = $"natgw agent at {socketPath}: {Describe(e)}";
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetry.Ticks));
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
    }
}
