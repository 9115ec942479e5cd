using Microsoft.Extensions.Logging;

namespace NatGateway.Core.Live;

/// <summary>
/// The subscribers of one live feed (dashboard samples, rule counters, capacity "now"): pages subscribe, dispose the
/// handle when they go, and a failing subscriber never stops the others or the sampler.
/// </summary>
public sealed class SubscriberList<T>(ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly List<Action<T>> _subscribers = new();

    public int Count
    {
        get { lock (_gate) return _subscribers.Count; }
    }

    /// <summary>Adds a callback until the returned handle is disposed. Callbacks run on the publisher's thread.</summary>
    public IDisposable Add(Action<T> callback)
    {
        lock (_gate) _subscribers.Add(callback);
        return new Subscription(() => { lock (_gate) _subscribers.Remove(callback); });
    }

    public void Publish(T value)
    {
        Action<T>[] targets;
        lock (_gate) targets = _subscribers.ToArray();
        foreach (var target in targets)
        {
            try { target(value); }
            catch (Exception e) when (e is not OutOfMemoryException) { logger.LogDebug(e, "a {Feed} subscriber failed", typeof(T).Name); }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
