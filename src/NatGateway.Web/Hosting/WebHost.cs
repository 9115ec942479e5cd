using NatGateway.Core.Revisions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;
using NatGateway.Core.Dashboard;
using NatGateway.Core.Kernel;
using NatGateway.Core.Settings;
using NatGateway.Data;
using NatGateway.Web.Access;
using NatGateway.Web.Api;
using NatGateway.Web.Components;

namespace NatGateway.Web.Hosting;

/// <summary>Builds the Blazor Server app and its API from <see cref="ServeOptions"/>.</summary>
public static class WebHost
{
    /// <summary>The app for <paramref name="options"/>; <paramref name="args"/> go to the host builder, and
    /// <paramref name="configureServices"/> runs after natgw's own registrations (tests swap the kernel for a double).</summary>
    public static WebApplication Build(ServeOptions options, string[]? args = null, Action<IServiceCollection>? configureServices = null)
    {
        var contentRoot = options.ContentRoot ?? DefaultContentRoot();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args ?? [],
            ContentRootPath = contentRoot,
            EnvironmentName = options.Environment,
        });
        var urls = options.Urls.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.WebHost.UseUrls(urls);
        // Static web assets (MudBlazor's _content, the top-level wwwroot) from the build manifest when not published.
        builder.WebHost.UseStaticWebAssets();
        // Serve the build manifest as a published one would: fingerprinted assets "immutable" (cached by the browser, no
        // request on the next page load) instead of MapStaticAssets' hot-reload mode, which it turns on for any build (not
        // published) manifest and which rewrites every asset's Cache-Control to no-cache (a revalidation round trip per
        // script and stylesheet, before the circuit can start, on every page load). natgw is never hot-reloaded; the lab,
        // the tests and the benchmarks run the build output. ASP.NET Core source: StaticAssetDevelopmentRuntimeHandler.IsEnabled
        // (key "ReloadStaticAssetsAtRuntime"). An explicit setting (e.g. an environment variable) still wins.
        builder.Configuration["ReloadStaticAssetsAtRuntime"] ??= "false";
        // Every request body (API, forms) is capped at 1 MiB unless its endpoint says otherwise (BodyLimits.WithBodyLimit).
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = BodyLimits.Default);
        HttpsSetup.Configure(builder, options);
        // EF logs every SQL statement at Information; an appliance log wants warnings only.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        // ASP.NET Core logs two to four lines per request at Information (request starting/finished, endpoint
        // executing/executed): console work on every API call that the audit log already covers where it matters.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        AddServices(builder.Services, options);
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        // Before any hosted service starts: an unusable database stops natgw here, with the kernel untouched.
        DatabaseSetup.Migrate(options.DatabasePath);

        // Cross-site and host protection (Access/): a foreign Host is refused before anything runs; every response
        // carries the security headers; cookie-authenticated unsafe requests must be same-origin (after authentication).
        app.UseMiddleware<HostFilter>();
        app.UseMiddleware<SecurityHeaders>();
        var hosts = app.Services.GetRequiredService<AllowedHosts>();
        if (hosts.AllowsAny) app.Logger.LogWarning("Host filtering is off (--allowed-hosts *): DNS rebinding can reach natgw");
        else app.Logger.LogInformation("Allowed hosts: {Hosts}", hosts);
        // API requests and non-GETs are answered by ApiExceptionHandler; only page GETs re-execute /error (as a GET).
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseMiddleware<AuditMiddleware>();
        app.UseMiddleware<CrossSiteProtection>();
        app.UseAuthorization();
        app.UseAntiforgery();
        // A backup of an HA pair refuses local changes to what the primary replicates (409 with the reason).
        app.UseMiddleware<NatGateway.Web.Cluster.BackupWriteGuard>();
        // Stylesheets and scripts hold no data; the sign-in page needs them before anyone has signed in.
        app.MapStaticAssets().AllowAnonymous();
        // Liveness only: no data, no authentication.
        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous().ExcludeFromDescription();
        app.MapAccountEndpoints();
        app.MapSettingsApi();
        app.MapRulesApi();
        app.MapRevisionsApi();
        app.MapAuditApi();
        // feature endpoints
        app.MapConntrackApi();
        app.MapCapacityApi();
        app.MapDoctorDropsApi();
        app.MapTokensApi();
        app.MapDoctorApi();
        app.MapTraceApi();
        NatGateway.Web.Cluster.ClusterSyncRegistration.MapClusterSyncApi(app);
        app.MapClusterApi();
        app.MapApiDocs();
        NatGateway.Web.Metrics.MetricsRegistration.MapNatgwMetrics(app);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    public static void AddServices(IServiceCollection services, ServeOptions options)
    {
        services.AddRazorComponents(o =>
            {
                // The static SSR forms (/login) bind a handful of short fields.
                o.MaxFormMappingCollectionSize = 100;
                o.MaxFormMappingKeySize = 256;
            })
            .AddInteractiveServerComponents()
            // Blazor's default, stated so it stays bounded: one circuit message is at most 32 KB (the body cap does not see the hub).
            .AddHubOptions(o => o.MaximumReceiveMessageSize = 32 * 1024);
        // Per circuit: whether its browser is connected (live feeds skip pages nobody sees).
        services.AddScoped<NatGateway.Web.Components.CircuitPresence>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>(sp => sp.GetRequiredService<NatGateway.Web.Components.CircuitPresence>());
        // Form posts (the /login page): small fields, few of them, nothing buffered past the 1 MiB body cap.
        services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(o =>
        {
            o.ValueCountLimit = 100;
            o.ValueLengthLimit = 16 * 1024;
            o.KeyLengthLimit = 256;
            o.MultipartBodyLengthLimit = BodyLimits.Default;
            o.MultipartHeadersLengthLimit = 16 * 1024;
        });
        services.AddMudServices(c =>
        {
            // Bottom left, narrowed to the navigation drawer's column in app.css: clear of the page's controls.
            // One snackbar per event, the same message never twice, and at most three at once.
            c.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft;
            c.SnackbarConfiguration.PreventDuplicates = true;
            c.SnackbarConfiguration.MaxDisplayedSnackbars = 3;
        });
        services.AddAccessControl(options);
        services.AddSingleton(AllowedHosts.From(options));
        services.AddApiDocs();
        services.AddSingleton(new NatGateway.Core.Access.AuditRetentionOptions { Keep = TimeSpan.FromDays(options.AuditRetentionDays) });
        services.AddHostedService<NatGateway.Core.Access.AuditRetention>();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        // A query value that does not bind (confirmWithinSeconds=abc) throws, so ApiExceptionHandler can name the field.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);

        services.AddDbContextFactory<NatGatewayDbContext>(o => DatabaseSetup.Configure(o, options.DatabasePath));
        services.AddSingleton(TimeProvider.System);
        services.AddGatewayKernel(options);
        // The outage banner and the recovery service watch the kernel's availability (agent mode: the agent's socket).
        services.TryAddSingleton<IKernelAvailability>(sp => sp.GetRequiredService<IGatewayKernel>().Availability);
        services.AddSingleton<KernelSettingsService>();
        services.AddSingleton<DashboardMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<DashboardMonitor>());
        services.AddSingleton<NatGateway.Core.Rules.NatRulesService>();
        services.AddOptions<NatGateway.Core.Rules.Lint.LintOptions>().BindConfiguration("Lint");
        services.AddSingleton<NatGateway.Core.Rules.Lint.RuleLintService>();
        services.AddSingleton<NatGateway.Core.Rules.RuleCountersMonitor>();
        services.AddSingleton<NatGateway.Core.Rules.RuleFlowService>();
        services.AddRevisions();
        services.AddSingleton<NatGateway.Data.DatabaseChangeStamp>();
        services.AddSingleton<NatGateway.Web.Api.RuleNameCache>();
        services.AddSingleton<NatGateway.Core.Rules.RuleCountersCache>();
        services.AddSingleton(new NatGateway.Core.Revisions.RevisionRetention { KeepCount = options.KeepRevisions, KeepDays = options.KeepRevisionsDays });
        services.AddSingleton(new NatGateway.Core.Revisions.SafeApplyOptions { ConfirmWindow = TimeSpan.FromSeconds(options.ConfirmWindowSeconds) });
        services.AddSingleton<NatGateway.Core.Revisions.ConfirmationWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<NatGateway.Core.Revisions.ConfirmationWatchdog>());
        services.AddHostedService(sp => sp.GetRequiredService<NatGateway.Core.Rules.RuleCountersMonitor>());
        // After ConfirmationWatchdog (whose start-up recovery runs first): recovery again whenever the agent comes back.
        services.AddHostedService(sp => new NatGateway.Core.Revisions.KernelRecoveryService(sp.GetRequiredService<IGatewayKernel>(),
            sp.GetRequiredService<NatGateway.Core.Revisions.RevisionService>().RecoverAtStartupAsync,
            sp.GetRequiredService<ILogger<NatGateway.Core.Revisions.KernelRecoveryService>>()));
        // feature services
        NatGateway.Core.Conntrack.ConntrackServiceRegistration.AddConntrackBrowser(services);
        NatGateway.Core.Capacity.CapacityServiceRegistration.AddCapacityPlanning(services);
        NatGateway.Core.Doctor.DoctorServiceRegistration.AddDoctor(services);
        NatGateway.Web.Metrics.MetricsRegistration.AddNatgwMetrics(services, options.MetricsAccess);
        NatGateway.Core.Doctor.DoctorMonitorRegistration.AddDoctorMonitor(services);
        NatGateway.Core.Tracing.TracingRegistration.AddTracing(services);
        NatGateway.Web.Cluster.ClusterSyncRegistration.AddClusterSync(services);
        NatGateway.Core.Cluster.ClusterServiceRegistration.AddCluster(services);
    }

    /// <summary>The published folder when it holds wwwroot/, else the working directory (dotnet run from the project).</summary>
    private static string DefaultContentRoot()
    {
        var baseDir = AppContext.BaseDirectory;
        return Directory.Exists(Path.Combine(baseDir, "wwwroot")) ? baseDir : Directory.GetCurrentDirectory();
    }
}
