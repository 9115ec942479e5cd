namespace NatGateway.Conntrack;

/// <summary>Socket sizing for <see cref="ConntrackClient"/>.</summary>
public sealed record ConntrackClientOptions
{
    /// <summary>SO_RCVBUFFORCE request: room for batched replies and errors.</summary>
    public int ReceiveBufferBytes { get; init; } = 8 << 20;
    /// <summary>SO_SNDBUFFORCE request: bounds the largest batch datagram.</summary>
    public int SendBufferBytes { get; init; } = 4 << 20;
    /// <summary>Bytes of requests packed into one sendmsg for Create/Delete batches.</summary>
    public int BatchBytes { get; init; } = 256 << 10;
}
