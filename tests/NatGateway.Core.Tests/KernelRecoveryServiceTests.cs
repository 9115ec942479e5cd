using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Tests.Fakes;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>The revision recovery runs whenever the kernel (the agent) is back after an outage, and only then.</summary>
public sealed class KernelRecoveryServiceTests
{
    private sealed class SettableAvailability(bool available) : IKernelAvailability
    {
        public bool IsAvailable { get; private set; } = available;
        public string? Reason { get; private set; } = available ? null : "agent not started";
        public DateTimeOffset Since { get; private set; } = DateTimeOffset.UtcNow;
        public event Action? Changed;

        public void Set(bool available)
        {
            (IsAvailable, Reason, Since) = (available, available ? null : "agent gone", DateTimeOffset.UtcNow);
            Changed?.Invoke();
        }
    }

    private int _runs;

    /// <summary>The service with a stand-in recovery (the real one is RevisionService's, tested in RevisionServiceTests).</summary>
    private KernelRecoveryService Create(SettableAvailability availability) =>
        new(new InMemoryKernel("lan0", "wan0") { Availability = availability },
            _ => Task.FromResult($"recovery {Interlocked.Increment(ref _runs)}"), NullLogger<KernelRecoveryService>.Instance);

    [Fact]
    public async Task An_agent_that_starts_after_the_web_and_every_return_after_an_outage_run_the_recovery()
    {
        var availability = new SettableAvailability(available: false);
        using var service = Create(availability);
        await service.StartAsync(CancellationToken.None);
        Assert.Equal(0, service.Recoveries);

        availability.Set(true);
        await WaitForAsync(() => service.Recoveries == 1);
        Assert.Equal("recovery 1", service.LastRecovery!.Value.Report);

        availability.Set(false);
        availability.Set(true);
        await WaitForAsync(() => service.Recoveries == 2);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task While_the_kernel_stays_available_nothing_runs_beyond_the_start_up_recovery()
    {
        var availability = new SettableAvailability(available: true);
        using var service = Create(availability);
        await service.StartAsync(CancellationToken.None);
        availability.Set(true); // a repeated "available" is no return from an outage
        await service.StopAsync(CancellationToken.None);
        Assert.Equal(0, service.Recoveries);
        Assert.Equal(0, _runs);
    }

    [Fact]
    public async Task A_recovery_cut_short_by_another_outage_runs_again_when_the_kernel_is_back()
    {
        var availability = new SettableAvailability(available: false);
        var attempts = 0;
        using var service = new KernelRecoveryService(new InMemoryKernel("lan0", "wan0") { Availability = availability }, _ =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                availability.Set(false);
                throw new KernelUnavailableException("agent gone mid-recovery");
            }
            return Task.FromResult("recovered");
        }, NullLogger<KernelRecoveryService>.Instance);
        await service.StartAsync(CancellationToken.None);

        availability.Set(true);
        await WaitForAsync(() => Volatile.Read(ref attempts) == 1 && !availability.IsAvailable);
        Assert.Equal(0, service.Recoveries);
        availability.Set(true);
        await WaitForAsync(() => service.Recoveries == 1);
        Assert.Equal("recovered", service.LastRecovery!.Value.Report);
        await service.StopAsync(CancellationToken.None);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the recovery did not run within 30 s");
            await Task.Delay(20); // polling interval
        }
    }

}
