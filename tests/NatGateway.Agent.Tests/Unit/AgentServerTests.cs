using Xunit;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Agent.Client;
using NatGateway.Agent.Protocol;
using NatGateway.Agent.Server;
using NatGateway.Core.Kernel;

namespace NatGateway.Agent.Tests.Unit;

/// <summary>The handshake and the refusal paths of an in-process agent on a temporary socket. Only requests the agent
/// refuses before touching the kernel are sent, so the host is never changed.</summary>
public sealed class AgentServerTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("natgw-agent-unit-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private AgentServer? _server;
    private Task? _run;

    private string SocketPath => Path.Combine(_directory, "run", "agent.sock");

    public Task InitializeAsync()
    {
        var options = new AgentOptions
        {
            SocketPath = SocketPath, WebUser = Environment.GetEnvironmentVariable("SUDO_UID") ?? "4242",
            SysctlDirectory = Path.Combine(_directory, "sysctl.d"), ModprobeDirectory = Path.Combine(_directory, "modprobe.d"),
        };
        _server = new AgentServer(options, new LocalGatewayKernel(new ProcSysctl()), NullLogger.Instance);
        _server.Listen();
        _run = _server.RunAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        if (_run is not null) await _run;
        _server?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private NetworkStream Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
        socket.ReceiveTimeout = 10_000;
        return new NetworkStream(socket, ownsSocket: true);
    }

    [Fact]
    public void A_matching_hello_opens_a_connection()
    {
        using var connection = AgentConnection.Open(SocketPath);
        Assert.True(connection.IsHealthy);
    }

    [Fact]
    public void Another_protocol_version_is_refused_with_both_versions_named()
    {
        using var stream = Connect();
        FrameCodec.Write(stream, FrameType.Hello, AgentJson.Serialize(new HelloMessage(AgentProtocol.Version + 41)));
        var answer = FrameCodec.Read(stream)!.Value;
        Assert.Equal(FrameType.Error, answer.Type);
        var error = AgentJson.Deserialize<AgentError>(answer.Payload.Span);
        Assert.Equal(AgentErrorKind.VersionMismatch, error.Kind);
        Assert.Contains($"{AgentProtocol.Version + 41}", error.Message);
        Assert.Contains($"version {AgentProtocol.Version}", error.Message);
        Assert.Null(FrameCodec.Read(stream)); // and the agent closed the connection
    }

    [Fact]
    public void A_request_before_hello_is_refused_and_closed()
    {
        using var stream = Connect();
        FrameCodec.Write(stream, FrameType.Request, AgentJson.Serialize(new AgentRequest { Op = AgentOperation.NatListText }));
        Assert.Equal(FrameType.Error, FrameCodec.Read(stream)!.Value.Type);
        Assert.Null(FrameCodec.Read(stream));
    }

    [Fact]
    public void Refused_requests_come_back_as_the_apps_exceptions_and_the_connection_stays_usable()
    {
        using var connection = AgentConnection.Open(SocketPath);
        var notManaged = Assert.Throws<ArgumentException>(() => connection.Call(new AgentRequest
            { Op = AgentOperation.SysctlWrite, Key = ["kernel", "core_pattern"], Value = "1" }));
        Assert.Equal("key", notManaged.ParamName);
        var badValue = Assert.Throws<ArgumentException>(() => connection.Call(new AgentRequest
            { Op = AgentOperation.SysctlWrite, Key = ["net", "ipv4", "ip_forward"], Value = "1; reboot" }));
        Assert.Equal("value", badValue.ParamName);
        var badRule = Assert.Throws<ArgumentException>(() => connection.Call(new AgentRequest
        {
            Op = AgentOperation.NatApply,
            Rules = System.Text.Json.JsonDocument.Parse("""[{"kind":"dnat","name":"w","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":"80","targetAddress":"10.0.0.999","targetPort":"80"}]""").RootElement,
        }));
        Assert.StartsWith("rules[0].", badRule.ParamName);
        var badFilter = Assert.Throws<ArgumentException>(() => connection.Call(new AgentRequest
            { Op = AgentOperation.ConntrackDelete, Filter = "../../etc/passwd (" }));
        Assert.Equal("filter", badFilter.ParamName);
        Assert.True(connection.IsHealthy);
    }

    [Fact]
    public void A_prepared_rule_list_is_checked_as_user_input_like_an_applied_one()
    {
        // NatPrepare parses, validates and compiles ahead of NatApply (no kernel change): a bad rule is refused the same way.
        using var connection = AgentConnection.Open(SocketPath);
        var badRule = Assert.Throws<ArgumentException>(() => connection.Call(new AgentRequest
        {
            Op = AgentOperation.NatPrepare,
            Rules = System.Text.Json.JsonDocument.Parse("""[{"kind":"dnat","name":"w","inInterfaces":["lan0"],"protocol":"tcp","destinationPort":"80","targetAddress":"10.0.0.999","targetPort":"80"}]""").RootElement,
        }));
        Assert.StartsWith("rules[0].", badRule.ParamName);
        Assert.True(connection.IsHealthy);
    }

    [Fact]
    public void The_documents_of_a_prepared_list_are_the_compilers_and_only_a_validated_list_has_any()
    {
        // NatPrepare only compiles (no kernel change); NatPreparedDocuments, asked for beside the apply, hands back the
        // batch and listing text of exactly that list, by the hash of its bytes.
        const string valid = """[{"id":"6b1f0d2e-2c11-4a52-9a40-8c2b0f1e7a01","kind":"dnat","name":"web","markId":7,"inInterfaces":["lan0"],"protocol":"tcp","destinationPort":"8080","targetAddress":"10.0.0.9","targetPort":"80"}]""";
        const string invalid = """[{"id":"6b1f0d2e-2c11-4a52-9a40-8c2b0f1e7a02","kind":"dnat","name":"w","markId":8,"inInterfaces":["lan0"],"protocol":"tcp","destinationPort":"80","targetAddress":"10.0.0.999","targetPort":"80"}]""";
        string HashOf(string json) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)));
        using var connection = AgentConnection.Open(SocketPath);

        var unknown = Assert.Throws<ArgumentException>(() => connection.Call(new AgentRequest { Op = AgentOperation.NatPreparedDocuments, RulesHash = HashOf(valid) }));
        Assert.Equal(RequestValidation.RulesHashField, unknown.ParamName);

        var prepared = connection.Call(new AgentRequest { Op = AgentOperation.NatPrepare, Rules = System.Text.Json.JsonDocument.Parse(valid).RootElement });
        Assert.Null(prepared.Ruleset); // the prepare's answer is small: the documents come with NatPreparedDocuments
        var documents = connection.Call(new AgentRequest { Op = AgentOperation.NatPreparedDocuments, RulesHash = HashOf(valid) }).Ruleset;
        var rule = NatGateway.Nat.NatRuleJson.Parse(System.Text.Json.JsonDocument.Parse(valid).RootElement[0]).Rule!;
        var expected = NatGateway.Nftables.NatRulesetCompiler.Compile([rule], new NatGateway.Nftables.NatCompileOptions(), []);
        Assert.NotNull(documents);
        Assert.Equal(expected.Json, documents.Json);
        Assert.Equal(NatGateway.Nftables.NftListingText.Render(expected), documents.Text);
        Assert.Contains("6b1f0d2e-2c11-4a52-9a40-8c2b0f1e7a01 web\" : 10.0.0.9", documents.Text);

        // A list that fails validation is compiled beside it at most, never kept: its hash names nothing.
        var refused = Assert.Throws<ArgumentException>(() => connection.Call(new AgentRequest
            { Op = AgentOperation.NatPrepare, Rules = System.Text.Json.JsonDocument.Parse(invalid).RootElement }));
        Assert.StartsWith("rules[0].", refused.ParamName);
        var notKept = Assert.Throws<ArgumentException>(() => connection.Call(new AgentRequest { Op = AgentOperation.NatPreparedDocuments, RulesHash = HashOf(invalid) }));
        Assert.Equal(RequestValidation.RulesHashField, notKept.ParamName);
        Assert.True(connection.IsHealthy);
    }

    [Fact]
    public void Of_a_long_list_parsed_on_every_core_the_first_malformed_rule_in_list_order_is_reported()
    {
        string Rule(int i, string address) =>
            $$"""{"kind":"dnat","name":"f{{i}}","markId":{{i + 1}},"inInterfaces":["lan0"],"protocol":"udp","destinationPort":"{{10000 + i}}","targetAddress":"{{address}}"}""";
        // Bad elements in two different parse chunks, the later chunk's likely finished first: the earlier one is named.
        var list = "[" + string.Join(",", Enumerable.Range(0, 1500).Select(i => Rule(i, i is 700 or 1300 ? "10.0.0.999" : "10.0.0.9"))) + "]";
        using var connection = AgentConnection.Open(SocketPath);
        var refused = Assert.Throws<ArgumentException>(() => connection.Call(new AgentRequest
            { Op = AgentOperation.NatPrepare, Rules = System.Text.Json.JsonDocument.Parse(list).RootElement }));
        Assert.StartsWith("rules[700].", refused.ParamName);
    }
}
