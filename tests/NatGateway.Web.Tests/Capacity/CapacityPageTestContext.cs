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
public abstract class CapacityPageTestContext : BunitContext, Xunit.IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-capacity-page-").FullName;

    protected InMemoryKernel Kernel { get; } = new("lan0", "wan0");
    protected FixedCapacityReader Reader { get; } = new();

    protected CapacityPageTestContext()
    {
        foreach (var (key, value) in new Dictionary<string, string>
                 {
                     ["net.netfilter.nf_conntrack_max"] = "262144",
                     ["net.netfilter.nf_conntrack_buckets"] = "262144",
                     ["net.netfilter.nf_conntrack_tcp_timeout_time_wait"] = "120",
                 })
            Kernel.Memory.Values[key] = value;

        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        var dbPath = Path.Combine(_dir, "natgw.db");
        Services.AddDbContextFactory<NatGatewayDbContext>(o => DatabaseSetup.Configure(o, dbPath));
        Services.AddSingleton<IGatewayKernel>(Kernel);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<IOptions<SettingsOptions>>(Options.Create(new SettingsOptions { SysctlDirectory = Path.Combine(_dir, "sysctl.d") }));
        Services.AddSingleton<IOptions<CapacityOptions>>(Options.Create(new CapacityOptions { ModprobeDirectory = Path.Combine(_dir, "modprobe.d") }));
        Services.AddSingleton<IConntrackCapacityReader>(Reader);
        Services.AddSingleton<CapacityService>();
        Services.AddSingleton(sp => new CapacityNowMonitor(Kernel, Reader, sp.GetRequiredService<IOptions<CapacityOptions>>(),
            TimeProvider.System, NullLogger<CapacityNowMonitor>.Instance));
        // Apply goes through revisions (commit-confirmed), like every change made in the browser.
        Services.AddSingleton<KernelSettingsService>();
        Services.AddSingleton(new NatGateway.Nftables.NatCompileOptions());
        Services.AddSingleton<NatGateway.Core.Rules.NatRulesService>();
        Services.AddSingleton<NatGateway.Core.Rules.RuleFlowService>();
        Services.AddSingleton(sp => new NatGateway.Core.Revisions.RevisionService(
            sp.GetRequiredService<NatGateway.Core.Rules.NatRulesService>(), sp.GetRequiredService<KernelSettingsService>(),
            sp.GetRequiredService<NatGateway.Core.Rules.RuleFlowService>(), sp.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>(),
            TimeProvider.System, NullLogger<NatGateway.Core.Revisions.RevisionService>.Instance, sp.GetRequiredService<CapacityService>()));
        Services.AddSingleton(new NatGateway.Core.Revisions.SafeApplyOptions());
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        using var db = new NatGatewayDbContext(new DbContextOptionsBuilder<NatGatewayDbContext>()
            .UseSqlite(DatabaseSetup.ConnectionString(dbPath), o => o.MigrationsAssembly(DatabaseSetup.MigrationsAssembly)).Options);
        DatabaseSetup.Migrate(db, dbPath);
    }

    Task Xunit.IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task Xunit.IAsyncLifetime.DisposeAsync()
    {
        // MudBlazor's services are async-disposable only: xunit must dispose the context asynchronously.
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
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
