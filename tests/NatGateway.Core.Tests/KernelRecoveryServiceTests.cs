using Microsoft.Extensions.Logging.Abstractions;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>The revision recovery runs whenever the kernel (the agent) is back after an outage, and only then.</summary>
public sealed class KernelRecoveryServiceTests : IDisposable
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

    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-recovery-").FullName;

    private KernelRecoveryService Create(SettableAvailability availability)
    {
        var kernel = new InMemoryKernel("lan0", "wan0") { Availability = availability };
        var db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        var rules = new NatRulesService(kernel, db, new NatCompileOptions(), TimeProvider.System);
        var settings = new KernelSettingsService(kernel, db, TimeProvider.System);
        var revisions = new RevisionService(rules, settings, new RuleFlowService(kernel, new NatCompileOptions()), db, TimeProvider.System,
            NullLogger<RevisionService>.Instance);
        return new KernelRecoveryService(kernel, revisions, NullLogger<KernelRecoveryService>.Instance);
    }

    [Fact]
    public async Task An_agent_that_starts_after_the_web_and_every_return_after_an_outage_run_the_recovery()
    {
        var availability = new SettableAvailability(available: false);
        using var service = Create(availability);
        await service.StartAsync(CancellationToken.None);
        Assert.Equal(0, service.Recoveries);

        availability.Set(true);
        await WaitForAsync(() => service.Recoveries == 1);
        Assert.Equal("no revision yet", service.LastRecovery!.Value.Report);

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

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
