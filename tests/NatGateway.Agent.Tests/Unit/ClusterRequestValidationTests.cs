using System.Net;
using System.Text.Json;
using NatGateway.Agent.Protocol;
using NatGateway.Agent.Server;
using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;
using Xunit;

namespace NatGateway.Agent.Tests.Unit;

/// <summary>The cluster operations' arguments as the agent checks them: a config travels as JSON and is refused with
/// the field at fault before any file is written; only keepalived's three states can be notified.</summary>
public sealed class ClusterRequestValidationTests
{
    private static readonly ClusterConfig Gw1 = new()
    {
        Enabled = true,
        VirtualRouterId = 51,
        AdvertInterval = TimeSpan.FromMilliseconds(100),
        VirtualAddresses =
        [
            new VirtualAddress(VirtualAddressSide.Inside, new InterfaceAddress(IPAddress.Parse("10.77.1.1"), 24)),
            new VirtualAddress(VirtualAddressSide.Outside, new InterfaceAddress(IPAddress.Parse("10.77.2.1"), 24)),
        ],
        Local = new ClusterNode
        {
            Name = "gw1", Role = ClusterNodeRole.Primary, Priority = 150, InsideInterface = "in1", OutsideInterface = "out1",
            SyncInterface = "sync1", SyncAddress = new InterfaceAddress(IPAddress.Parse("10.77.3.1"), 30),
        },
        Peer = new ClusterPeer { Name = "gw2", SyncAddress = IPAddress.Parse("10.77.3.2"), SyncPort = 8443 },
    };

    private static AgentRequest RoundTrip(AgentRequest request) => AgentJson.Deserialize<AgentRequest>(AgentJson.Serialize(request));

    [Fact]
    public void A_valid_config_survives_the_wire_and_passes()
    {
        var request = RoundTrip(new AgentRequest { Op = AgentOperation.ClusterApply, Cluster = Gw1 });
        var config = RequestValidation.Cluster(request.Cluster);
        Assert.Equal(Gw1.Local, config.Local);
        Assert.Equal(Gw1.Peer, config.Peer);
        Assert.Equal(Gw1.VirtualAddresses, config.VirtualAddresses);
        Assert.Equal(TimeSpan.FromMilliseconds(100), config.AdvertInterval);
    }

    [Fact]
    public void A_name_that_would_add_keepalived_configuration_is_refused_by_field()
    {
        var bad = Gw1 with { Local = Gw1.Local with { Name = "gw1\" }\nvrrp_script x {" } };
        var e = Assert.Throws<AgentRequestException>(() => RequestValidation.Cluster(RoundTrip(new AgentRequest { Op = AgentOperation.ClusterApply, Cluster = bad }).Cluster));
        Assert.Equal("cluster.local.name", e.Field);
    }

    [Fact]
    public void Missing_parts_are_field_errors_not_crashes()
    {
        var request = AgentJson.Deserialize<AgentRequest>("""{"op":"clusterApply","cluster":{"enabled":true,"virtualRouterId":1,"advertInterval":"00:00:01","virtualAddresses":[null],"local":{"name":"a","role":"primary","priority":1,"insideInterface":"a","outsideInterface":"b","syncInterface":"c","syncAddress":{"address":"10.0.0.1","prefixLength":30}},"peer":{"name":"b","syncAddress":"10.0.0.2","syncPort":1}}}"""u8);
        var e = Assert.Throws<AgentRequestException>(() => RequestValidation.Cluster(request.Cluster));
        Assert.Equal("cluster.virtualAddresses[0]", e.Field);
        Assert.Throws<JsonException>(() => AgentJson.Deserialize<AgentRequest>("""{"op":"clusterApply","cluster":{"enabled":true}}"""u8));
    }

    [Theory]
    [InlineData(VrrpState.Unknown)]
    [InlineData(VrrpState.Stopped)]
    public void Only_keepalived_states_can_be_notified(VrrpState state)
    {
        Assert.Throws<AgentRequestException>(() => RequestValidation.NotifiedState(state));
        Assert.Equal(VrrpState.Fault, RequestValidation.NotifiedState(VrrpState.Fault));
        Assert.Throws<AgentRequestException>(() => RequestValidation.Reason("a\nb"));
    }

    [Fact]
    public void A_daemon_failure_crosses_the_socket_as_itself()
    {
        var error = AgentErrors.FromException(new ClusterServiceException("conntrackd -c: exit 1"));
        Assert.Equal(AgentErrorKind.ClusterService, error.Kind);
        var back = Assert.IsType<ClusterServiceException>(AgentErrors.ToException(error, "/run/natgw/agent.sock"));
        Assert.Equal("conntrackd -c: exit 1", back.Message);
    }
}
