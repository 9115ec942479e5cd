namespace NatGateway.Agent.Protocol;

/// <summary>One frame as read: its type and payload (JSON text or raw netlink datagrams).</summary>
public readonly record struct Frame(FrameType Type, ReadOnlyMemory<byte> Payload);
