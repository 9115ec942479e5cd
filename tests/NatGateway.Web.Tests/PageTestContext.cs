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
public abstract class PageTestContext : AppTestContext
{
    /// <summary>The report and history pages see (the dashboard's problem count, the Doctor page).</summary>
    protected Doctor.FakeDoctorReports DoctorReports { get; } = new();

    protected Doctor.FakeConntrackDoctorFacts ConntrackFacts { get; } = new();

    /// <summary>Lint's planned inputs (SNAT flows per destination) the Rules page's lint sees.</summary>
    protected NatGateway.Core.Rules.Lint.LintOptions LintOptions { get; } = new();

    protected override void AddPageServices(IServiceCollection services)
    {
        Kernel.PersistTo(DataDirectory);
        services.AddSingleton<KernelSettingsService>();
        services.AddSingleton(sp => new DashboardMonitor(Kernel, TimeProvider.System, NullLogger<DashboardMonitor>.Instance));
        services.AddSingleton(new NatGateway.Nftables.NatCompileOptions());
        services.AddSingleton<NatGateway.Core.Rules.NatRulesService>();
        services.AddSingleton<NatGateway.Core.Rules.RuleCountersCache>();
        services.AddScoped<NatGateway.Web.Components.CircuitPresence>();
        services.AddSingleton(sp => new NatGateway.Core.Rules.RuleCountersMonitor(
            sp.GetRequiredService<NatGateway.Core.Rules.RuleCountersCache>(), TimeProvider.System, NullLogger<NatGateway.Core.Rules.RuleCountersMonitor>.Instance));
        services.AddSingleton<NatGateway.Core.Rules.RuleFlowService>();
        services.AddSingleton<IOptions<NatGateway.Core.Rules.Lint.LintOptions>>(Options.Create(LintOptions));
        services.AddSingleton<NatGateway.Core.Rules.Lint.RuleLintService>();
        NatGateway.Core.Revisions.RevisionServiceRegistration.AddRevisions(services);
        services.AddSingleton(new NatGateway.Core.Revisions.SafeApplyOptions());
        services.AddSingleton<NatGateway.Core.Capacity.IConntrackCapacityReader, NatGateway.Core.Capacity.KernelCapacityReader>();
        services.AddSingleton<IOptions<NatGateway.Core.Capacity.CapacityOptions>>(Options.Create(new NatGateway.Core.Capacity.CapacityOptions()));
        // The doctor: the real service and fix service over the in-memory kernel; pages read reports from the fake.
        services.AddSingleton<NatGateway.Core.Doctor.IConntrackDoctorFacts>(ConntrackFacts);
        NatGateway.Core.Doctor.DoctorServiceRegistration.AddDoctor(services);
        NatGateway.Core.Tracing.TracingRegistration.AddTracing(services);
        services.AddSingleton<IOptions<NatGateway.Core.Doctor.DoctorOptions>>(Options.Create(new NatGateway.Core.Doctor.DoctorOptions()));
        services.AddSingleton(sp => new NatGateway.Core.Doctor.DoctorFixService(sp.GetRequiredService<NatGateway.Core.Doctor.DoctorService>(),
            sp.GetRequiredService<NatGateway.Core.Revisions.RevisionService>(), sp.GetRequiredService<NatGateway.Core.Rules.NatRulesService>(),
            sp.GetRequiredService<NatGateway.Core.Revisions.SafeApplyOptions>(),
            sp.GetService<NatGateway.Core.Doctor.IGatewayOptionFixes>()));
        services.AddSingleton<NatGateway.Core.Doctor.IDoctorReports>(DoctorReports);
        services.AddSingleton(sp => new NatGateway.Core.Capacity.CapacityNowMonitor(Kernel, sp.GetRequiredService<NatGateway.Core.Capacity.IConntrackCapacityReader>(),
            sp.GetRequiredService<IOptions<NatGateway.Core.Capacity.CapacityOptions>>(), TimeProvider.System, NullLogger<NatGateway.Core.Capacity.CapacityNowMonitor>.Instance));
    }
}
