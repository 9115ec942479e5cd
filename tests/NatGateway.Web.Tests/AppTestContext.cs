using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;

namespace NatGateway.Web.Tests;

/// <summary>
/// What every page test needs: MudBlazor, a migrated SQLite file in a temp folder, the in-memory kernel double and the
/// system clock. Each page's context adds its own services in <see cref="AddPageServices"/>, which runs before the
/// renderer is set up (bUnit refuses registrations after that).
/// </summary>
public abstract class AppTestContext : BunitContext, Xunit.IAsyncLifetime
{
    protected string DataDirectory { get; } = Directory.CreateTempSubdirectory("natgw-bunit-").FullName;

    protected InMemoryKernel Kernel { get; } = new("lan0", "wan0");

    static AppTestContext()
    {
        // bUnit's WaitFor* default (1 s) is too short on a loaded 2-core CI box; a wait returns as soon as its state holds.
        DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        // Synchronous WaitFor*/Click block pool threads while the renderer's dispatcher needs one: on 2 cores the pool
        // starts with 2 and grows slowly, so a wait could time out without its check ever running (bUnit's diagnosis).
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), io);
    }

    /// <summary>The signed-in user the pages see: an admin unless a test changes it (<c>Authorization.SetRoles</c>).</summary>
    protected BunitAuthorizationContext Authorization { get; }

    protected AppTestContext()
    {
        Authorization = AddAuthorization();
        Authorization.SetAuthorized("admin");
        Authorization.SetRoles("viewer", "operator", "admin");
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        var dbPath = Path.Combine(DataDirectory, "natgw.db");
        Services.AddDbContextFactory<NatGatewayDbContext>(o => DatabaseSetup.Configure(o, dbPath));
        Services.AddSingleton<IGatewayKernel>(Kernel);
        Services.AddSingleton(TimeProvider.System);
        AddPageServices(Services);
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        using var db = new NatGatewayDbContext(new DbContextOptionsBuilder<NatGatewayDbContext>()
            .UseSqlite(DatabaseSetup.ConnectionString(dbPath), o => o.MigrationsAssembly(DatabaseSetup.MigrationsAssembly)).Options);
        DatabaseSetup.Migrate(db, dbPath);
    }

    /// <summary>Signs in as <paramref name="name"/> with the role claims <c>AccessClaims</c> gives <paramref name="role"/>
    /// (an admin also carries operator and viewer).</summary>
    protected void SignIn(string name, NatGateway.Data.Entities.Role role)
    {
        Authorization.SetAuthorized(name);
        Authorization.SetRoles(Enum.GetValues<NatGateway.Data.Entities.Role>().Where(r => r <= role)
            .Select(NatGateway.Core.Access.AccessClaims.Name).ToArray());
    }

    /// <summary>Registers the services the page under test injects.</summary>
    protected abstract void AddPageServices(IServiceCollection services);

    // MudBlazor's services are async-disposable only: xunit must dispose the context asynchronously.
    Task Xunit.IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task Xunit.IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}
