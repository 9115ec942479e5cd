using Microsoft.Extensions.DependencyInjection;

namespace NatGateway.Core.Access;

/// <summary>Accounts, API tokens and the audit log: one registration for the app, the CLI and the tests.</summary>
public static class AccessServiceRegistration
{
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddSingleton<AuditLog>();
        services.AddSingleton<UserService>();
        services.AddSingleton<ApiTokenService>();
        return services;
    }
}
