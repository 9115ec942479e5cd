using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NatGateway.Core.Doctor;

/// <summary>Registers the doctor: every check, the snapshot collector, the conntrack facts and <see cref="DoctorService"/>.
/// Needs the kernel, the settings service, the revision store and service (the LRO/MSS fixes) and (optionally) the
/// conntrack mirror service.</summary>
public static class DoctorServiceRegistration
{
    public static IServiceCollection AddDoctor(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IDoctorCheck, Checks.ForwardingOffCheck>();
        services.AddSingleton<IDoctorCheck, Checks.TableFullCheck>();
        services.AddSingleton<IDoctorCheck, Checks.SnatPortsCheck>();
        services.AddSingleton<IDoctorCheck, Checks.RpFilterStrictCheck>();
        services.AddSingleton<IDoctorCheck, Checks.LroCheck>();
        services.AddSingleton<IDoctorCheck, Checks.MtuCheck>();
        services.AddSingleton<IDoctorCheck, Checks.HashTableCheck>();
        services.AddSingleton<IDoctorCheck, Checks.TimeoutsCheck>();
        services.AddSingleton<IDoctorCheck, Checks.SoftnetCheck>();
        services.AddSingleton<IDoctorCheck, Checks.InterfaceErrorsCheck>();
        services.AddSingleton<IDoctorCheck, Checks.ConntrackEventsCheck>();
        foreach (var check in Checks.ClusterCheck.All) services.AddSingleton<IDoctorCheck>(check);
        services.TryAddSingleton<IConntrackDoctorFacts>(sp => new MirrorConntrackDoctorFacts(
            sp.GetRequiredService<Kernel.IGatewayKernel>(),
            sp.GetRequiredService<Revisions.RevisionStore>(),
            // The app's one set of compile options (mark layout), else the defaults the engine compiles with.
            sp.GetService<NatGateway.Nftables.NatCompileOptions>() ?? new NatGateway.Nftables.NatCompileOptions(),
            sp.GetService<Conntrack.ConntrackMirrorService>()));
        services.AddSingleton(sp => new DoctorSnapshotCollector(
            sp.GetRequiredService<Kernel.IGatewayKernel>(),
            sp.GetRequiredService<Settings.KernelSettingsService>(),
            sp.GetRequiredService<Revisions.RevisionStore>(),
            sp.GetRequiredService<IConntrackDoctorFacts>(),
            sp.GetService<Conntrack.ConntrackMirrorService>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Cluster.ClusterService>()));
        services.AddSingleton<DoctorService>();
        services.AddSingleton<DropCaptureService>();
        // The LRO-off and MSS-clamp fixes go through the revisions like every other fix (one composition for the app and tests).
        services.TryAddSingleton<IGatewayOptionFixes>(sp => new RevisionGatewayOptionFixes(sp.GetRequiredService<Revisions.RevisionService>()));
        return services;
    }
}
