namespace NatGateway.Agent.Protocol;

/// <summary>A length prefix above <see cref="AgentProtocol.MaxFrameBytes"/> (or below one byte): the stream cannot be trusted after it.</summary>
public sealed class FrameTooLargeException(long length)
    : IOException($"agent frame of {length} bytes is outside 1..{AgentProtocol.MaxFrameBytes}")
{
    public long Length { get; } = length;
}
