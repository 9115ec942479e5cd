using System.Text.Json;
using NatGateway.Agent.Protocol;
using NatGateway.Capacity.Kernel;
using NatGateway.Conntrack;
using NatGateway.Conntrack.Mirror;
using NatGateway.Conntrack.Mirror.Query;
using NatGateway.Core.Kernel;
using NatGateway.Nat;
using NatGateway.Nftables;

namespace NatGateway.Agent.Client;

/// <summary>
/// <see cref="IGatewayKernel"/> in agent mode (<c>natgw serve --agent PATH</c>): every operation is a request to
/// <c>natgw agent</c>; errors come back as the exceptions single-process mode throws, and an unreachable agent as
/// <see cref="KernelUnavailableException"/> with <see cref="Availability"/> saying why until it answers again.
/// </summary>
public sealed class AgentGatewayKernel : IGatewayKernel, IDisposable
{
    private readonly AgentConnectionPool _pool;

    /// <param name="socketPath">The agent's Unix socket (<c>/run/natgw/agent.sock</c>).</param>
    /// <param name="callTimeout">How long a call waits for the agent's next frame before the kernel counts as unavailable
    /// (default <see cref="AgentConnection.DefaultCallTimeout"/>).</param>
    public AgentGatewayKernel(string socketPath, TimeSpan? callTimeout = null)
    {
        _pool = new AgentConnectionPool(socketPath, callTimeout: callTimeout);
        Sysctl = new RemoteSysctl(this);
        NatTables = new RemoteNatTables(this);
        Conntrack = new RemoteConntrackKernel(this, _pool);
        Persistence = new RemotePersistence(this);
    }

    public string SocketPath => _pool.SocketPath;
    public ISysctl Sysctl { get; }
    public INatTables NatTables { get; }
    public IConntrackKernel Conntrack { get; }
    public ISettingsPersistence Persistence { get; }
    public IKernelAvailability Availability => _pool.Availability;

    internal AgentResponse Call(AgentRequest request) => _pool.Run(c => c.Call(request));

    public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces() => Call(new AgentRequest { Op = AgentOperation.ListInterfaces }).Interfaces ?? [];

    public IReadOnlyList<RouteInfo> ListRoutes() => Call(new AgentRequest { Op = AgentOperation.ListRoutes }).Routes ?? [];

    public KernelConntrackFacts ReadConntrackFacts() =>
        Call(new AgentRequest { Op = AgentOperation.ReadConntrackFacts }).Facts ?? throw new IOException("natgw agent: no facts in the answer");

    /// <summary>A request carrying rules in the REST JSON shape (what the agent parses and validates like any user input),
    /// written straight into the payload: no JsonDocument of 10,000 rules parsed, cloned and written out again.</summary>
    internal AgentResponse CallWithRules(AgentOperation op, IReadOnlyList<NatRule> rules)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("op");
            JsonSerializer.Serialize(writer, op, AgentJson.Options);
            writer.WriteStartArray("rules");
            foreach (var rule in rules) NatRuleJson.Write(writer, rule);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return _pool.Run(c => c.Call(buffer.WrittenSpan));
    }

    public void Dispose() => _pool.Dispose();
}
