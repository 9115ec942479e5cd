using System.Runtime.InteropServices;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// What must be undone however the run ends: the global nf_conntrack_max, the namespace, a child <c>conntrack -E</c>.
/// Undone in reverse order on Dispose and also on SIGINT (Ctrl-C), SIGTERM and SIGHUP, after which the process ends
/// as the signal intends. Each registered item is disposed once.
/// </summary>
internal sealed class RunGuard : IDisposable
{
    private readonly List<IDisposable> _items = [];
    private readonly PosixSignalRegistration[] _signals;
    private readonly TextWriter _output;

    public RunGuard(TextWriter output)
    {
        _output = output;
        _signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
        ];
    }

    /// <summary>Registers <paramref name="item"/> to be undone; returns it.</summary>
    public T Add<T>(T item) where T : IDisposable
    {
        lock (_items) _items.Add(item);
        return item;
    }

    /// <summary>Runs <paramref name="undo"/> at the end (or on a signal).</summary>
    public void Add(Action undo) => Add(new Undo(undo));

    private void OnSignal(PosixSignalContext context)
    {
        _output.WriteLine($"{context.Signal}: cleaning up (namespace, nf_conntrack_max) before exiting");
        UndoAll();
    }

    private void UndoAll()
    {
        IDisposable[] items;
        lock (_items)
        {
            items = [.. _items];
            _items.Clear();
        }
        for (var i = items.Length - 1; i >= 0; i--)
        {
            try { items[i].Dispose(); }
            catch (Exception e) { _output.WriteLine($"cleanup step failed: {e.Message}"); }
        }
    }

    public void Dispose()
    {
        UndoAll();
        foreach (var signal in _signals) signal.Dispose();
    }

    private sealed class Undo(Action action) : IDisposable
    {
        private Action? _action = action;
        public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
    }
}
