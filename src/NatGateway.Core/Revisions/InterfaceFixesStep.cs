using NatGateway.Core.Kernel;
using NatGateway.Data.Entities;

namespace NatGateway.Core.Revisions;

/// <summary>The LRO part of an apply could not be put into the kernel (a driver refused); nothing of it is left changed.</summary>
public sealed class InterfaceFixApplyException(string interfaceName, string message, Exception? inner = null)
    : Exception($"LRO on {interfaceName}: {message}", inner)
{
    public string Interface { get; } = interfaceName;
}

/// <summary>Step 5: what the LRO part of an apply changed (each list names interfaces).</summary>
public sealed record InterfaceFixesResult(IReadOnlyList<string> LroTurnedOff, IReadOnlyList<string> LroRestored, IReadOnlyList<string> Absent)
{
    public static InterfaceFixesResult Nothing { get; } = new([], [], []);
}

/// <summary>
/// Forces LRO off on the interfaces the target lists (ETHTOOL_MSG_FEATURES_SET through <see cref="IHostDiagnostics.SetLro"/>,
/// so agent mode does it in the agent), and gives LRO back to interfaces an earlier revision had forced off and this one
/// no longer lists. All or nothing: a refusal undoes what the step changed and throws <see cref="InterfaceFixApplyException"/>,
/// and the pipeline then puts the rules in force back as for a failed sysctl. An interface that does not exist (yet) is
/// reported, not failed: recovery at boot may run before a hot-plugged NIC appears, and the next recovery applies it.
/// </summary>
public sealed class InterfaceFixesStep(Settings.KernelSettingsService settings)
{
    private IGatewayKernel Kernel => settings.Kernel;

    public InterfaceFixesResult Run(JournalResult journal)
    {
        var wanted = journal.Target.Fixes.LroOff;
        var before = journal.Previous?.Gateway.Fixes.LroOff ?? [];
        var released = before.Except(wanted, StringComparer.Ordinal).ToList();
        if (wanted.Count == 0 && released.Count == 0) return InterfaceFixesResult.Nothing;

        var offloads = Kernel.Diagnostics.ReadOffloads().ToDictionary(o => o.Interface, StringComparer.Ordinal);
        var turnedOff = new List<string>();
        var restored = new List<string>();
        var absent = new List<string>();
        try
        {
            foreach (var name in wanted)
            {
                if (!offloads.TryGetValue(name, out var o)) { absent.Add(name); continue; }
                if (!o.LroActive) continue;
                if (!o.LroChangeable) throw new InterfaceFixApplyException(name, "the driver reports LRO as fixed on (not changeable)");
                Set(name, false);
                turnedOff.Add(name);
            }
            foreach (var name in released)
            {
                // Only what we forced off is given back; an interface whose driver cannot change LRO is left alone.
                if (offloads.TryGetValue(name, out var o) && !o.LroActive && o.LroChangeable)
                {
                    Set(name, true);
                    restored.Add(name);
                }
            }
        }
        catch (InterfaceFixApplyException)
        {
            Undo(new InterfaceFixesResult(turnedOff, restored, absent));
            throw;
        }
        return new InterfaceFixesResult(turnedOff, restored, absent);
    }

    /// <summary>Puts LRO back as it was before <paramref name="done"/> (best effort: this runs after another failure).</summary>
    public void Undo(InterfaceFixesResult done)
    {
        foreach (var name in done.LroTurnedOff) TrySet(name, true);
        foreach (var name in done.LroRestored) TrySet(name, false);
    }

    private void Set(string name, bool enabled)
    {
        try { Kernel.Diagnostics.SetLro(name, enabled); }
        catch (Exception e) when (e is not KernelUnavailableException and not OutOfMemoryException)
        {
            throw new InterfaceFixApplyException(name, $"could not turn LRO {(enabled ? "on" : "off")}: {e.Message}", e);
        }
    }

    private void TrySet(string name, bool enabled)
    {
        try { Kernel.Diagnostics.SetLro(name, enabled); }
        catch (Exception e) when (e is not OutOfMemoryException) { _ = e; }
    }
}
