using Microsoft.Extensions.Logging;

namespace NatGateway.Core.Background;

/// <summary>
/// The failure policy of a background loop that retries on a fixed tick: after a failure the next attempt waits
/// <see cref="InitialDelay"/>, doubling per consecutive failure up to <see cref="MaxDelay"/>; and the failures are
/// logged as one line at most once per <see cref="LogInterval"/> (how many happened since, and the latest cause), so a
/// broken database or kernel cannot flood the log. The first success after a reported failure logs one "works again" line.
/// <code>
/// while (await timer.WaitForNextTickAsync(ct))
/// {
///     if (!backoff.IsDue) continue;
///     try { Work(); backoff.Succeeded(); }
///     catch (IOException e) { backoff.Failed(e); }
/// }
/// </code>
/// </summary>
public sealed class RetryBackoff(string operation, TimeProvider clock, ILogger logger, LogLevel level = LogLevel.Warning)
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);

    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private DateTimeOffset _nextAttempt = DateTimeOffset.MinValue;
    private DateTimeOffset _lastLogged = DateTimeOffset.MinValue;
    private int _unlogged;
    private bool _failureReported;

    /// <summary>Failures since the last success.</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>Failures not yet counted in a log line (they are in the next one).</summary>
    public int UnreportedFailures
    {
        get { lock (_gate) return _unlogged; }
    }

    /// <summary>The wait after the latest failure (zero while healthy).</summary>
    public TimeSpan CurrentDelay { get; private set; }

    /// <summary>False while the wait after a failure has not passed: skip this tick.</summary>
    public bool IsDue
    {
        get { lock (_gate) return clock.GetUtcNow() >= _nextAttempt; }
    }

    public void Failed(Exception error)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            ConsecutiveFailures++;
            var doubled = InitialDelay * Math.Pow(2, Math.Min(ConsecutiveFailures - 1, 30));
            CurrentDelay = doubled < MaxDelay ? doubled : MaxDelay;
            _nextAttempt = now + CurrentDelay;
            _unlogged++;
            if (now - _lastLogged < LogInterval) return;
            _lastLogged = now;
            _failureReported = true;
            var count = _unlogged;
            _unlogged = 0;
            // One line (no stack trace): the cause and when the next try comes; the full exception at Debug.
            logger.Log(level, "{Operation} failed ({Count} time(s) since the last report, {Consecutive} in a row); retrying in {Delay:g}: {Cause}",
                operation, count, ConsecutiveFailures, CurrentDelay, $"{error.GetType().Name}: {OneLine(error.Message)}");
            logger.LogDebug(error, "{Operation} failed", operation);
        }
    }

    public void Succeeded()
    {
        lock (_gate)
        {
            // Only a reported failure gets its "recovered" line, so a flapping loop still logs at most two lines a minute.
            if (_failureReported)
                logger.LogInformation("{Operation} works again after {Count} failure(s)", operation, ConsecutiveFailures);
            _failureReported = false;
            ConsecutiveFailures = 0;
            CurrentDelay = TimeSpan.Zero;
            _nextAttempt = DateTimeOffset.MinValue;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
