using System.Net.Sockets;
using NatGateway.Agent.Client;
using NatGateway.Agent.Protocol;
using NatGateway.Core.Kernel;
using Xunit;

namespace NatGateway.Agent.Tests.Unit;

/// <summary>An agent that takes a request and never answers (wedged in the kernel, stopped by a debugger) must not hang the
/// web process's request for ever: the call gives up after its timeout and the kernel counts as unavailable.</summary>
public sealed class AgentCallTimeoutTests
{
    [Fact]
    public async Task A_wedged_agent_fails_the_call_after_its_timeout_and_marks_the_kernel_unavailable()
    {
        var directory = Directory.CreateTempSubdirectory("natgw-agent-wedged-").FullName;
        var path = Path.Combine(directory, "agent.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        using var release = new ManualResetEventSlim();
        var requests = 0;
        // A fake agent: a correct Hello, then it reads requests and answers none.
        var wedged = Task.Run(() =>
        {
            using var peer = listener.Accept();
            using var stream = new NetworkStream(peer);
            FrameCodec.Read(stream);
            FrameCodec.Write(stream, FrameType.Hello, AgentJson.Serialize(new HelloMessage(AgentProtocol.Version)));
            if (FrameCodec.Read(stream) is not null) Interlocked.Increment(ref requests);
            release.Wait(TimeSpan.FromMinutes(1));
        });
        try
        {
            using var kernel = new AgentGatewayKernel(path, callTimeout: TimeSpan.FromSeconds(1));

            var e = Assert.Throws<KernelUnavailableException>(() => kernel.Sysctl.TryRead(SysctlKey.Ipv4Forwarding));

            Assert.Equal(1, Volatile.Read(ref requests));
            Assert.StartsWith($"natgw agent at {path}: ", e.Reason);
            Assert.False(kernel.Availability.IsAvailable);
        }
        finally
        {
            release.Set();
            await wedged;
            Directory.Delete(directory, recursive: true);
        }
    }
}
