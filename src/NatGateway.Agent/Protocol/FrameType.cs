namespace NatGateway.Agent.Protocol;

/// <summary>The first byte of every frame: what its payload is.</summary>
public enum FrameType : byte
{
    /// <summary>Client → agent first, agent → client answer: <see cref="HelloMessage"/> (JSON).</summary>
    Hello = 1,
    /// <summary>Client → agent: one <see cref="AgentRequest"/> (JSON).</summary>
    Request = 2,
    /// <summary>Agent → client: the <see cref="AgentResponse"/> (JSON) ending a request.</summary>
    Response = 3,
    /// <summary>Agent → client: an <see cref="AgentError"/> (JSON) ending a request (or the connection).</summary>
    Error = 4,
    /// <summary>Agent → client: the kernel's ctnetlink dump datagrams, byte for byte (decoded in the web process).</summary>
    DumpData = 5,
    /// <summary>Mirror relay: everything relayed before this predates the dump.</summary>
    DumpBegins = 6,
    /// <summary>Mirror relay: the dump is complete; events relayed after this happened after (or during) it.</summary>
    DumpEnds = 7,
    /// <summary>Agent → client: one conntrack event datagram as the kernel sent it.</summary>
    Events = 8,
    /// <summary>Agent → client: the agent's event socket overflowed (ENOBUFS): events were lost.</summary>
    EventsLost = 9,
}
