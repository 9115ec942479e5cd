using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.EntityFrameworkCore;
using NatGateway.Core.Kernel;
using NatGateway.Data;

namespace NatGateway.Core.Conntrack;

/// <summary>Registers the conntrack browser's services (one line in the web host).</summary>
public static class ConntrackServiceRegistration
{
    public static IServiceCollection AddConntrackBrowser(this IServiceCollection services)
    {
        services.AddSingleton<ConntrackService>();
        services.AddSingleton(sp => new ConntrackMirrorService(
            sp.GetRequiredService<IGatewayKernel>(),
            sp.GetRequiredService<IDbContextFactory<NatGatewayDbContext>>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ConntrackMirrorService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ConntrackMirrorService>());
        return services;
    }
}
