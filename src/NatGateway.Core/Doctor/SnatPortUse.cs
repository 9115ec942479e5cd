using System.Net;

namespace NatGateway.Core.Doctor;

/// <summary>
/// Ports in use on one translated (public) address towards one destination (address, port, protocol), counted from the
/// conntrack mirror's SNAT entries, against the port range the rule that made them allows. The kernel needs a unique
/// (source address, source port) per destination tuple, so this, not the address's total, is what runs out.
/// </summary>
public sealed record SnatPortUse(
    IPAddress TranslatedAddress,
    IPAddress Destination,
    ushort DestinationPort,
    NatGateway.Conntrack.IPProtocol Protocol,
    int InUse,
    int Available,
    Guid? RuleId,
    string? RuleName)
{
    public double Fill => Available == 0 ? 0 : (double)InUse / Available;
}

/// <summary>Conntrack entries by protocol state (TCP state, or UDP assured/unreplied), with the timeout that holds them.</summary>
public sealed record StateCensus(long Total, IReadOnlyList<StateCount> States);

/// <summary>Entries in one state and the sysctl timeout that applies to it (nf_conntrack_tcp_timeout_time_wait, ...).</summary>
public sealed record StateCount(string State, long Entries, string TimeoutKey, int TimeoutSeconds);

/// <summary>The conntrack-side facts the doctor takes from the live mirror (or one dump when the mirror is off).</summary>
public interface IConntrackDoctorFacts
{
    /// <summary>Port use per translated address and destination; the fullest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<SnatPortUse>> SnatPortUseAsync(int limit, CancellationToken ct);

    /// <summary>
    /// Port use (at most <paramref name="snatLimit"/> destinations) AND entries by state against the timeouts, from ONE
    /// pass over the table: the census sees every SNAT entry anyway, so a doctor run with the mirror off dumps once.
    /// </summary>
    Task<ConntrackDoctorReading> ReadAsync(int snatLimit, CancellationToken ct);
}

/// <summary>What one pass over the conntrack table gives the doctor: SNAT port use and the state census.</summary>
public sealed record ConntrackDoctorReading(IReadOnlyList<SnatPortUse> SnatPorts, StateCensus States);
