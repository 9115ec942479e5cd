using NatGateway.Core.Tracing;

namespace NatGateway.Core.Kernel;

/// <summary>
/// The kernel half of the live packet tracer: arms <c>meta nftrace set 1</c> for packets matching a probe in a chain of a
/// table NatGateway owns, reads the trace events (NFNLGRP_NFTRACE) for a bounded window, disarms. A typed operation, so
/// agent mode runs it in <c>natgw agent</c>; foreign tables are only read (to show their rules), never changed.
/// </summary>
public interface IPacketTracing
{
    /// <summary>The hops of up to <paramref name="maxPackets"/> packets matching <paramref name="probe"/> seen within
    /// <paramref name="window"/>. Throws <see cref="TraceUnavailableException"/> with the reason where tracing cannot run.</summary>
    IReadOnlyList<TracedPacket> Capture(PacketProbe probe, TimeSpan window, int maxPackets);
}

/// <summary>Placeholder until the live tracer lands (i14-base).</summary>
public sealed class UnbuiltPacketTracing : IPacketTracing
{
    public IReadOnlyList<TracedPacket> Capture(PacketProbe probe, TimeSpan window, int maxPackets) =>
        throw new TraceUnavailableException("live tracing is not built yet");
}
