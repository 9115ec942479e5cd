using Xunit;
using System.Text.Json;
using NatGateway.Agent.Protocol;
using NatGateway.Core.Kernel;
using NatGateway.Netlink;
using NatGateway.Nftables;

namespace NatGateway.Agent.Tests.Unit;

/// <summary>Each error kind crosses the wire as JSON and comes back as the exception single-process mode throws.</summary>
public sealed class AgentErrorsTests
{
    private static Exception RoundTrip(Exception e)
    {
        var json = AgentJson.Serialize(AgentErrors.FromException(e));
        return AgentErrors.ToException(AgentJson.Deserialize<AgentError>(json), "/run/natgw/agent.sock");
    }

    [Fact]
    public void Invalid_request_is_an_argument_exception_naming_the_field()
    {
        var e = Assert.IsType<ArgumentException>(RoundTrip(new AgentRequestException("rules[2].targetAddress", "not an address")));
        Assert.Equal("rules[2].targetAddress", e.ParamName);
        Assert.Contains("not an address", e.Message);
    }

    [Fact]
    public void Nftables_error_keeps_message_and_nft_text()
    {
        var original = new NftablesException("apply failed", "Error: No such file or directory\n");
        var e = Assert.IsType<NftablesException>(RoundTrip(original));
        Assert.Equal(original.Message, e.Message);
        Assert.Equal(original.NftError, e.NftError);
    }

    [Fact]
    public void Sysctl_error_keeps_key_and_failure()
    {
        var key = SysctlKey.RpFilter("eth0.100");
        var e = Assert.IsType<SysctlException>(RoundTrip(new SysctlException(key, SysctlFailure.ReadOnly, "read-only here")));
        Assert.Equal(key, e.Key);
        Assert.Equal(SysctlFailure.ReadOnly, e.Failure);
        Assert.Equal("read-only here", e.Message);
    }

    [Fact]
    public void Netlink_error_keeps_errno_operation_and_ext_ack()
    {
        var e = Assert.IsType<NetlinkException>(RoundTrip(new NetlinkException(Errno.ENOENT, "no such entry", "conntrack delete")));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("conntrack delete", e.Operation);
        Assert.Equal("no such entry", e.ExtendedAckMessage);
        Assert.IsType<DumpInterruptedException>(RoundTrip(new DumpInterruptedException()));
    }

    [Fact]
    public void Unavailable_kinds_are_kernel_unavailable_with_the_socket_path()
    {
        foreach (var kind in new[] { AgentErrorKind.Unavailable, AgentErrorKind.Refused, AgentErrorKind.VersionMismatch })
        {
            var e = Assert.IsType<KernelUnavailableException>(AgentErrors.ToException(new AgentError { Kind = kind, Message = "m" }, "/s"));
            Assert.Equal("natgw agent at /s: m", e.Reason);
        }
        Assert.IsType<InvalidOperationException>(RoundTrip(new InvalidOperationException("no scratch namespace")));
        Assert.IsType<InvalidOperationException>(RoundTrip(new NullReferenceException()));
    }

    [Fact]
    public void A_kernel_that_lacks_a_feature_is_not_supported_with_the_reason()
    {
        // A drop capture without tracefs: the web answers 501 with the agent's reason, not a 500.
        var e = Assert.IsType<NotSupportedException>(RoundTrip(new NotSupportedException("the kernel has no skb:kfree_skb tracepoint")));
        Assert.Equal("the kernel has no skb:kfree_skb tracepoint", e.Message);
    }

    [Fact]
    public void Enums_travel_by_name_only()
    {
        Assert.Contains("\"natApply\"", System.Text.Encoding.UTF8.GetString(AgentJson.Serialize(new AgentRequest { Op = AgentOperation.NatApply })));
        Assert.Throws<JsonException>(() => AgentJson.Deserialize<AgentRequest>("{\"op\":5}"u8));
        Assert.Throws<JsonException>(() => AgentJson.Deserialize<AgentRequest>("{\"op\":\"runNft\"}"u8));
        Assert.Throws<JsonException>(() => AgentJson.Deserialize<AgentRequest>("null"u8));
    }
}
