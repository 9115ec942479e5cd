using Microsoft.Extensions.DependencyInjection;

namespace NatGateway.Core.Doctor;

/// <summary>Registers the doctor's live side for <c>natgw serve</c>: <see cref="DoctorMonitor"/> (options from the "Doctor"
/// configuration section) and <see cref="DoctorFixService"/>. Needs <see cref="DoctorServiceRegistration.AddDoctor"/>,
/// the revisions, the rules service and <see cref="Revisions.SafeApplyOptions"/>.</summary>
public static class DoctorMonitorRegistration
{
    public static IServiceCollection AddDoctorMonitor(this IServiceCollection services)
    {
        services.AddOptions<DoctorOptions>().BindConfiguration("Doctor");
        services.AddSingleton<DoctorMonitor>();
        services.AddSingleton<IDoctorReports>(sp => sp.GetRequiredService<DoctorMonitor>());
        services.AddHostedService(sp => sp.GetRequiredService<DoctorMonitor>());
        services.AddSingleton(sp => new DoctorFixService(
            sp.GetRequiredService<DoctorService>(),
            sp.GetRequiredService<Revisions.RevisionService>(),
            sp.GetRequiredService<Rules.NatRulesService>(),
            sp.GetRequiredService<Revisions.SafeApplyOptions>(),
            sp.GetService<IGatewayOptionFixes>()));
        return services;
    }
}
