namespace NatGateway.Core.Rules.Lint;

/// <summary>Lint's inputs that are plans rather than host facts (configuration section "Lint").</summary>
public sealed class LintOptions
{
    /// <summary>
    /// The concurrent flows the capacity plan expects towards ONE destination address and port through source NAT (the capacity
    /// planner's <c>snatFlows</c> input); null = not planned, and the SNAT pool check does not
    /// run. Each SNAT/masquerade rule's pool is sized with the capacity model (<see cref="NatGateway.Capacity.Planning.SnatCapacity"/>).
    /// </summary>
    public long? SnatFlowsPerDestination { get; set; }
}
