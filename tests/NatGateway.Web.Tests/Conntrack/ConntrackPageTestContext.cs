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
public abstract class ConntrackPageTestContext : AppTestContext
{
    protected FakeConntrackTable Table { get; } = new();

    protected override void AddPageServices(IServiceCollection services)
    {
        services.AddSingleton(new NatGateway.Nftables.NatCompileOptions());
        services.AddSingleton<NatGateway.Core.Rules.NatRulesService>();
        Kernel.Conntrack = Table;
        services.AddSingleton<ConntrackService>();
        services.AddSingleton(sp => new ConntrackMirrorService(Kernel,
            sp.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>(), TimeProvider.System, NullLogger<ConntrackMirrorService>.Instance));
    }
}
