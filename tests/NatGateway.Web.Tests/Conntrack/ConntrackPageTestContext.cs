using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;
using NatGateway.Core.Conntrack;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;

namespace NatGateway.Web.Tests.Conntrack;

/// <summary>
/// bUnit context for the Conntrack page: MudBlazor, a migrated SQLite file, the in-memory kernel, the NAT rules service
/// (for rule names) and the conntrack services over <see cref="FakeConntrackTable"/>. Its own context because every
/// service must be registered before the renderer is set up.
/// </summary>
public abstract class ConntrackPageTestContext : BunitContext, Xunit.IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-conntrack-page-").FullName;

    protected InMemoryKernel Kernel { get; } = new("lan0", "wan0");
    protected FakeConntrackTable Table { get; } = new();

    protected ConntrackPageTestContext()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        var dbPath = Path.Combine(_dir, "natgw.db");
        Services.AddDbContextFactory<NatGatewayDbContext>(o => DatabaseSetup.Configure(o, dbPath));
        Services.AddSingleton<IGatewayKernel>(Kernel);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton(new NatGateway.Nftables.NatCompileOptions());
        Services.AddSingleton<NatGateway.Core.Rules.NatRulesService>();
        Services.AddSingleton<IConntrackKernelAccess>(Table);
        Services.AddSingleton<ConntrackService>();
        Services.AddSingleton(sp => new ConntrackMirrorService(Table, Kernel,
            sp.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>(), TimeProvider.System, NullLogger<ConntrackMirrorService>.Instance));
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        using var db = new NatGatewayDbContext(new DbContextOptionsBuilder<NatGatewayDbContext>()
            .UseSqlite(DatabaseSetup.ConnectionString(dbPath), o => o.MigrationsAssembly(DatabaseSetup.MigrationsAssembly)).Options);
        DatabaseSetup.Migrate(db, dbPath);
    }

    Task Xunit.IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task Xunit.IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
