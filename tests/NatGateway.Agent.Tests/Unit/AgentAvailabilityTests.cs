using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Agent.Client;
using NatGateway.Agent.Server;
using NatGateway.Core.Kernel;
using Xunit;

namespace NatGateway.Agent.Tests.Unit;

/// <summary>An agent that is not there makes operations throw KernelUnavailableException with the reason, and the client
/// notices by itself when it comes up (no request needed).</summary>
public sealed class AgentAvailabilityTests
{
    [Fact]
    public async Task Unavailable_with_a_reason_then_available_again_when_the_agent_starts()
    {
        var directory = Directory.CreateTempSubdirectory("natgw-agent-avail-").FullName;
        var socket = Path.Combine(directory, "agent.sock");
        using var kernel = new AgentGatewayKernel(socket);
        var changes = 0;
        kernel.Availability.Changed += () => Interlocked.Increment(ref changes);

        var e = Assert.Throws<KernelUnavailableException>(() => kernel.Sysctl.TryRead(SysctlKey.Ipv4Forwarding));
        Assert.StartsWith($"natgw agent at {socket}: ", e.Reason);
        Assert.False(kernel.Availability.IsAvailable);
        Assert.Equal(e.Reason, kernel.Availability.Reason);
        Assert.Equal(1, changes);

        using var stop = new CancellationTokenSource();
        using var server = new AgentServer(new AgentOptions { SocketPath = socket, WebUser = "4242" }, new LocalGatewayKernel(new ProcSysctl()), NullLogger.Instance);
        server.Listen();
        var run = server.RunAsync(stop.Token);
        var deadline = Stopwatch.StartNew();
        while (!kernel.Availability.IsAvailable && deadline.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);
        Assert.True(kernel.Availability.IsAvailable);
        Assert.Null(kernel.Availability.Reason);
        Assert.Equal(2, changes);

        stop.Cancel();
        await run;
        Directory.Delete(directory, recursive: true);
    }
}
