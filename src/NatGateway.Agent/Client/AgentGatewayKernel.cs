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
        Diagnostics = new RemoteDiagnostics(this);
        Tracing = new RemotePacketTracing(this);
        Cluster = new RemoteClusterServices(this);
    }

    public string SocketPath => _pool.SocketPath;
    public ISysctl Sysctl { get; }
    public INatTables NatTables { get; }
    public IConntrackKernel Conntrack { get; }
    public ISettingsPersistence Persistence { get; }
    public IHostDiagnostics Diagnostics { get; }
    public IPacketTracing Tracing { get; }
    public IClusterServices Cluster { get; }
    public IKernelAvailability Availability => _pool.Availability;

    internal AgentResponse Call(AgentRequest request) => _pool.Run(c => c.Call(request));

    public IReadOnlyList<NetworkInterfaceInfo> ListInterfaces() => Call(new AgentRequest { Op = AgentOperation.ListInterfaces }).Interfaces ?? [];

    public NatGateway.Nat.HostFacts ReadHostFacts() =>
        Call(new AgentRequest { Op = AgentOperation.ReadHostFacts }).HostFacts ?? throw new IOException("natgw agent: no host facts in the answer");

    public IReadOnlyList<RouteInfo> ListRoutes() => Call(new AgentRequest { Op = AgentOperation.ListRoutes }).Routes ?? [];

    public KernelConntrackFacts ReadConntrackFacts() =>
        Call(new AgentRequest { Op = AgentOperation.ReadConntrackFacts }).Facts ?? throw new IOException("natgw agent: no facts in the answer");

    /// <summary>A request carrying rules in the REST JSON shape (what the agent parses and validates like any user input),
    /// written straight into the payload: no JsonDocument of 10,000 rules parsed, cloned and written out again.</summary>
    internal AgentResponse CallWithRules(AgentOperation op, IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp = null)
    {
        // Prepare serializes the list and keeps the bytes (and their hash) for the Apply of the same list instance that follows.
        var prepared = op == AgentOperation.NatApply ? PreparedFor(rules) : null;
        if (prepared is { } p)
        {
            // The agent validated and compiled exactly these bytes in the prepare: the apply names them by their SHA-256
            // instead of sending (and having the agent parse and hash) megabytes again. A restarted agent no longer knows
            // the hash and says so; then the whole list goes as before.
            try
            {
                return _pool.Run(c => c.Call(Payload(op, null, p.Hash, mssClamp).WrittenSpan));
            }
            catch (ArgumentException e) when (e.ParamName == "rulesHash")
            {
            }
        }
        var array = prepared?.Json ?? SerializeRules(rules);
        if (op == AgentOperation.NatPrepare)
            lock (_preparedGate) _preparedJson = new PreparedList(rules, rules.Count, array, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(array)));
        var buffer = Payload(op, array, null, mssClamp);
        return _pool.Run(c => c.Call(buffer.WrittenSpan));
    }

    /// <summary>
    /// The agent's compiled documents of the list last prepared (<see cref="AgentOperation.NatPreparedDocuments"/>), by
    /// hash; null when this list was not the one prepared or the agent no longer holds it (restarted).
    /// </summary>
    internal NatGateway.Nftables.RulesetDocuments? PreparedDocuments(IReadOnlyList<NatRule> rules, IReadOnlyList<string>? mssClamp)
    {
        if (PreparedFor(rules) is not { } p) return null;
        try
        {
            return _pool.Run(c => c.Call(Payload(AgentOperation.NatPreparedDocuments, null, p.Hash, mssClamp).WrittenSpan)).Ruleset;
        }
        catch (ArgumentException e) when (e.ParamName == "rulesHash")
        {
            return null;
        }
    }

    private PreparedList? PreparedFor(IReadOnlyList<NatRule> rules)
    {
        lock (_preparedGate) return _preparedJson is { } p && ReferenceEquals(p.Rules, rules) && p.Count == rules.Count ? p : null;
    }

    private static System.Buffers.ArrayBufferWriter<byte> Payload(AgentOperation op, byte[]? rulesArray, string? rulesHash, IReadOnlyList<string>? mssClamp)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>((rulesArray?.Length ?? 0) + 256);
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WritePropertyName("op");
        JsonSerializer.Serialize(writer, op, AgentJson.Options);
        if (rulesArray is not null)
        {
            writer.WritePropertyName("rules");
            writer.WriteRawValue(rulesArray, skipInputValidation: true);
        }
        if (rulesHash is not null) writer.WriteString("rulesHash", rulesHash);
        if (mssClamp is { Count: > 0 })
        {
            writer.WriteStartArray("mssClamp");
            foreach (var name in mssClamp) writer.WriteStringValue(name);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        writer.Flush();
        return buffer;
    }

    // The rules array of the list last prepared: the apply pipeline prepares, then applies, the very same list instance
    // under its lock, so the bytes are serialized once and are the same bytes (the agent's validated-list cache hits).
    // Kept after the apply (its documents are asked for beside it) until the next prepare replaces it.
    private readonly Lock _preparedGate = new();
    private PreparedList? _preparedJson;

    private sealed record PreparedList(IReadOnlyList<NatRule> Rules, int Count, byte[] Json, string Hash);

    // The revision's rules document is these very bytes (RuleListUtf8: once per draft snapshot): the agent parses
    // whitespace as JSON allows, and the apply no longer writes the same 10,000 rules twice.
    private static byte[] SerializeRules(IReadOnlyList<NatRule> rules) => NatGateway.Core.Rules.RuleListUtf8.Of(rules);

    public void Dispose() => _pool.Dispose();
}
