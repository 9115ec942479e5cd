using Microsoft.Extensions.Logging;

namespace NatGateway.Core.Live;

/// <summary>
/// The subscribers of one live feed (dashboard samples, rule counters, capacity "now"): pages subscribe, dispose the
/// handle when they go, and a failing subscriber never stops the others or the sampler.
/// </summary>
public sealed class SubscriberList<T>(ILogger logger)
{
    private sealed record Subscriber(Action<T> Callback, Func<bool>? Listening)
    {
        public bool IsListening => Listening?.Invoke() ?? true;
    }

    private readonly Lock _gate = new();
    private readonly List<Subscriber> _subscribers = new();

    /// <summary>How many subscribers listen now: a feed that reads the kernel only for them reads nothing at 0.</summary>
    public int Count
    {
        get { lock (_gate) return _subscribers.Count(s => s.IsListening); }
    }

    /// <summary>
    /// Adds a callback until the returned handle is disposed. Callbacks run on the publisher's thread. While
    /// <paramref name="listening"/> returns false (a page whose browser is disconnected: its circuit is kept for minutes
    /// in case the browser comes back) the callback is skipped and not counted.
    /// </summary>
    public IDisposable Add(Action<T> callback, Func<bool>? listening = null)
    {
        var subscriber = new Subscriber(callback, listening);
        lock (_gate) _subscribers.Add(subscriber);
        return new Subscription(() => { lock (_gate) _subscribers.Remove(subscriber); });
    }

    public void Publish(T value)
    {
        Subscriber[] targets;
        lock (_gate) targets = _subscribers.ToArray();
        foreach (var target in targets)
        {
            if (!target.IsListening) continue;
            try { target.Callback(value); }
            catch (Exception e) when (e is not OutOfMemoryException) { logger.LogDebug(e, "a {Feed} subscriber failed", typeof(T).Name); }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
