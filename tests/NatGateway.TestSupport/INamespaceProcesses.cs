using System.Diagnostics;

namespace NatGateway.TestSupport;

/// <summary>A lab that starts long-running processes in its namespaces and kills them when it is disposed:
/// <see cref="NamespaceLab"/> and <see cref="Ha.HaLab"/> (so <see cref="NatgwProcess"/> runs in either).</summary>
public interface INamespaceProcesses
{
    /// <summary>Starts <paramref name="file"/> inside <paramref name="ns"/> (<c>ip netns exec</c>, output redirected).</summary>
    Process Start(string ns, string file, IEnumerable<string> args, IDictionary<string, string>? environment = null);
}
