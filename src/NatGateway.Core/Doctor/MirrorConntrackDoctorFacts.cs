namespace NatGateway.Core.Doctor;

/// <summary>SNAT port use and the state census from the conntrack mirror when it is live, else from one dump.</summary>
public sealed class MirrorConntrackDoctorFacts : IConntrackDoctorFacts
{
    public Task<IReadOnlyList<SnatPortUse>> SnatPortUseAsync(int limit, CancellationToken ct) =>
        throw new NotSupportedException("SNAT port meter: not built yet (issue 13 foundation)");

    public Task<StateCensus> StateCensusAsync(CancellationToken ct) =>
        throw new NotSupportedException("state census: not built yet (issue 13 foundation)");
}
