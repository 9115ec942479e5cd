namespace NatGateway.Agent.Protocol;

/// <summary>The first frame each way: the protocol version (and, from the agent, its process id for logs).</summary>
public sealed record HelloMessage(int Version, int? AgentProcessId = null);
