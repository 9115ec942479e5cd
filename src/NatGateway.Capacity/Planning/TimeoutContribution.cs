namespace NatGateway.Capacity.Planning;

/// <summary>
/// How many peak-time entries one conntrack timeout keeps in the table, and what shortening it to
/// <see cref="SuggestedSeconds"/> would save (<c>sysctl -w net.netfilter.SYSCTL=SuggestedSeconds</c>).
/// </summary>
public sealed record TimeoutContribution(
    string Sysctl,
    int CurrentSeconds,
    long Entries,
    double ShareOfTable,
    int SuggestedSeconds,
    long EntriesSaved,
    long BytesSaved);
