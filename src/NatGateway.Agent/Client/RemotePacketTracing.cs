using NatGateway.Agent.Protocol;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tracing;

namespace NatGateway.Agent.Client;

/// <summary>Live packet traces through the agent (it subscribes to NFNLGRP_NFTRACE and arms the trace rule as root).
/// Refusals come back as <see cref="TraceUnavailableException"/> with the agent's reason and <see cref="TraceRefusal"/>.</summary>
public sealed class RemotePacketTracing(AgentGatewayKernel kernel) : IPacketTracing
{
    public IReadOnlyList<TracedPacket> Capture(PacketProbe probe, TimeSpan window, int maxPackets) =>
        kernel.Call(new AgentRequest
        {
            Op = AgentOperation.TraceCapture,
            Probe = new ProbeWire
            {
                Family = probe.Family, Protocol = probe.Protocol, Source = probe.Source.ToString(), Destination = probe.Destination.ToString(),
                SourcePort = probe.SourcePort, DestinationPort = probe.DestinationPort, InInterface = probe.InInterface,
            },
            DurationMilliseconds = (long)window.TotalMilliseconds,
            MaxPackets = maxPackets,
        }).Trace ?? throw new IOException("natgw agent: no trace in the answer");
}
