namespace NatGateway.Capacity.Planning;

/// <summary>Average table occupancy estimated from connection rates: idle-timeout parts per sysctl plus the time flows are actively open.</summary>
/// <param name="AverageEntries">Entries present on average (before the peak factor).</param>
/// <param name="ActiveTrafficEntries">Part held by flows still exchanging traffic (not shortenable by timeouts).</param>
/// <param name="EntriesByTimeout">Part held by each timeout sysctl after a flow's last packet.</param>
public sealed record FlowEstimate(
    double AverageEntries,
    double ActiveTrafficEntries,
    IReadOnlyDictionary<string, (int Seconds, double Entries)> EntriesByTimeout);
