namespace NatGateway.Core.Tracing;

/// <summary>
/// "What happens to this packet?" — the static answer from the compiled model, and the live confirmation from the
/// kernel's nftrace events. The Trace page, <c>POST /api/v1/trace</c> and <c>natgw trace</c> all use this.
/// </summary>
public interface IPacketTracer
{
    /// <summary>The static answer for the rules in force.</summary>
    Task<StaticTrace> ExplainAsync(PacketProbe probe, CancellationToken cancellationToken = default);

    /// <summary>
    /// Arms a trace of packets matching the probe (in a chain of our own), collects the hops of up to a bounded number
    /// of packets for <paramref name="window"/> (1–60 s), disarms. Throws <see cref="TraceUnavailableException"/>.
    /// </summary>
    Task<LiveTrace> TraceAsync(PacketProbe probe, TimeSpan window, CancellationToken cancellationToken = default);
}
