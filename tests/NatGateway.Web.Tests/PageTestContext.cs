using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using NatGateway.Core.Dashboard;
using NatGateway.Core.Kernel;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;

namespace NatGateway.Web.Tests;

/// <summary>bUnit context with MudBlazor, a migrated SQLite file and the in-memory kernel double.</summary>
public abstract class PageTestContext : BunitContext, Xunit.IAsyncLifetime
{
    // MudBlazor's services are async-disposable only: xunit must dispose the context asynchronously.
    Task Xunit.IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task Xunit.IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-bunit-").FullName;

    protected InMemoryKernel Kernel { get; } = new("lan0", "wan0");

    protected PageTestContext()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        var dbPath = Path.Combine(_dir, "natgw.db");
        Services.AddDbContextFactory<NatGatewayDbContext>(o => DatabaseSetup.Configure(o, dbPath));
        Services.AddSingleton<IGatewayKernel>(Kernel);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<IOptions<SettingsOptions>>(Options.Create(new SettingsOptions { SysctlDirectory = Path.Combine(_dir, "sysctl.d") }));
        Services.AddSingleton<KernelSettingsService>();
        Services.AddSingleton(sp => new DashboardMonitor(Kernel, TimeProvider.System, NullLogger<DashboardMonitor>.Instance));
        Services.AddSingleton(new NatGateway.Nftables.NatCompileOptions());
        Services.AddSingleton<NatGateway.Core.Rules.NatRulesService>();
        Services.AddSingleton(sp => new NatGateway.Core.Rules.RuleCountersMonitor(
            sp.GetRequiredService<NatGateway.Core.Rules.NatRulesService>(), TimeProvider.System, NullLogger<NatGateway.Core.Rules.RuleCountersMonitor>.Instance));
        Services.AddSingleton<NatGateway.Core.Rules.RuleFlowService>();
        Services.AddSingleton(sp => new NatGateway.Core.Revisions.RevisionService(
            sp.GetRequiredService<NatGateway.Core.Rules.NatRulesService>(), sp.GetRequiredService<KernelSettingsService>(),
            sp.GetRequiredService<NatGateway.Core.Rules.RuleFlowService>(),
            sp.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>(), TimeProvider.System, NullLogger<NatGateway.Core.Revisions.RevisionService>.Instance));
        Services.AddSingleton(new NatGateway.Core.Revisions.SafeApplyOptions());
        Services.AddSingleton<NatGateway.Core.Capacity.IConntrackCapacityReader, NatGateway.Core.Capacity.LocalConntrackCapacityReader>();
        Services.AddSingleton<IOptions<NatGateway.Core.Capacity.CapacityOptions>>(Options.Create(new NatGateway.Core.Capacity.CapacityOptions()));
        Services.AddSingleton(sp => new NatGateway.Core.Capacity.CapacityNowMonitor(Kernel, sp.GetRequiredService<NatGateway.Core.Capacity.IConntrackCapacityReader>(),
            sp.GetRequiredService<IOptions<NatGateway.Core.Capacity.CapacityOptions>>(), TimeProvider.System, NullLogger<NatGateway.Core.Capacity.CapacityNowMonitor>.Instance));
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        using var db = new NatGatewayDbContext(new DbContextOptionsBuilder<NatGatewayDbContext>()
            .UseSqlite(DatabaseSetup.ConnectionString(dbPath), o => o.MigrationsAssembly(DatabaseSetup.MigrationsAssembly)).Options);
        DatabaseSetup.Migrate(db, dbPath);
    }

}
