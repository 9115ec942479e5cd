using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using NatGateway.Capacity.Kernel;
using NatGateway.Capacity.Now;
using NatGateway.Core.Capacity;
using NatGateway.Core.Kernel;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;

namespace NatGateway.Web.Tests.Capacity;

/// <summary>
/// bUnit context for the Capacity page: MudBlazor, a migrated SQLite file, the in-memory kernel and fixed kernel facts.
/// Its own context because services must all be registered before the renderer is set up.
/// </summary>
public abstract class CapacityPageTestContext : AppTestContext
{
    protected FixedCapacityReader Reader { get; } = new();

    protected override void AddPageServices(IServiceCollection services)
    {
        foreach (var (key, value) in new Dictionary<string, string>
                 {
                     ["net.netfilter.nf_conntrack_max"] = "262144",
                     ["net.netfilter.nf_conntrack_buckets"] = "262144",
                     ["net.netfilter.nf_conntrack_tcp_timeout_time_wait"] = "120",
                 })
            Kernel.Memory.Values[key] = value;

        Kernel.PersistTo(DataDirectory);
        services.AddSingleton<IOptions<CapacityOptions>>(Options.Create(new CapacityOptions()));
        services.AddSingleton<IConntrackCapacityReader>(Reader);
        services.AddSingleton<CapacityService>();
        services.AddSingleton(sp => new CapacityNowMonitor(Kernel, Reader, sp.GetRequiredService<IOptions<CapacityOptions>>(),
            TimeProvider.System, NullLogger<CapacityNowMonitor>.Instance));
        // Apply goes through revisions (commit-confirmed), like every change made in the browser.
        services.AddSingleton<KernelSettingsService>();
        services.AddSingleton(new NatGateway.Nftables.NatCompileOptions());
        services.AddSingleton<NatGateway.Core.Rules.NatRulesService>();
        services.AddSingleton<NatGateway.Core.Rules.RuleFlowService>();
        services.AddSingleton(sp => new NatGateway.Core.Revisions.RevisionService(
            sp.GetRequiredService<NatGateway.Core.Rules.NatRulesService>(), sp.GetRequiredService<KernelSettingsService>(),
            sp.GetRequiredService<NatGateway.Core.Rules.RuleFlowService>(), sp.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>(),
            TimeProvider.System, NullLogger<NatGateway.Core.Revisions.RevisionService>.Instance, sp.GetRequiredService<CapacityService>()));
        services.AddSingleton(new NatGateway.Core.Revisions.SafeApplyOptions());
    }

    /// <summary>Facts of a 24 GiB x86_64 6.18 machine (pure-logic page tests; the agreement test reads the real kernel).</summary>
    protected sealed class FixedCapacityReader : IConntrackCapacityReader
    {
        public KernelConntrackFacts Facts { get; set; } = new()
        {
            Kernel = KernelVersion.Parse("6.18.0"), MemTotalBytes = 24L << 30, ConntrackMax = 262_144, Buckets = 262_144, Count = 1000,
        };

        /// <summary>When set, facts come from here instead (the agreement test reads a lab namespace's real kernel).</summary>
        public Func<KernelConntrackFacts>? Live { get; set; }

        public KernelConntrackFacts ReadFacts() => Live?.Invoke() ?? Facts;

        public ConntrackStatCounters? ReadStatCounters() => ConntrackStatCounters.Zero;
    }
}
