using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using NatGateway.TestSupport;
using NatGateway.Web.Hosting;
using Xunit;

namespace NatGateway.Web.Tests.Api;

/// <summary>
/// natgw's whole web app as <see cref="WebHost.Build"/> makes it (access control, body limits, cross-site protection,
/// audit), listening on a loopback port in this process, with the in-memory kernel double instead of the host's
/// kernel and none of natgw's background services: REST tests without a lab. One per test class (xunit class fixture).
/// </summary>
public sealed class InProcessApp : IAsyncLifetime
{
    private readonly NatGateway.Web.Metrics.MetricsAccessMode _metricsAccess;

    public InProcessApp() : this(NatGateway.Web.Metrics.MetricsAccessMode.Loopback) { }

    /// <summary>With another <c>--metrics-access</c> (xunit fixtures take the public constructor only).</summary>
    internal InProcessApp(NatGateway.Web.Metrics.MetricsAccessMode metricsAccess) => _metricsAccess = metricsAccess;

    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-api-").FullName;
    private WebApplication _app = null!;

    public InMemoryKernel Kernel { get; } = new("lan0", "wan0");
    public string DatabasePath => Path.Combine(_dir, "natgw.db");
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A client with an admin token.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _app = WebHost.Build(new ServeOptions
        {
            Urls = "http://127.0.0.1:0",
            DatabasePath = DatabasePath,
            SysctlDirectory = Path.Combine(_dir, "sysctl.d"),
            ModprobeDirectory = Path.Combine(_dir, "modprobe.d"),
            ContentRoot = Path.Combine(RepositoryPaths.Root, "src", "NatGateway.Web"),
            AllowedHosts = "127.0.0.1",
            Environment = "Production",
            MetricsAccess = _metricsAccess,
        }, ["--applicationName", "natgw"], services =>
        {
            services.AddSingleton<IGatewayKernel>(Kernel);
            // natgw's own hosted services (monitors, watchdog, recovery, retention) would reach for the kernel; the web
            // server itself (ASP.NET Core's hosted service) stays.
            foreach (var d in services.Where(d => d.ServiceType == typeof(IHostedService) && IsNatgw(d)).ToList()) services.Remove(d);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
        Admin = await ClientAsync(Role.Admin);
    }

    /// <summary>Registered by natgw (its assemblies are natgw and NatGateway.*), not by ASP.NET Core.</summary>
    private static bool IsNatgw(ServiceDescriptor d) =>
        (d.ImplementationType ?? d.ImplementationInstance?.GetType() ?? d.ImplementationFactory?.Method.DeclaringType)?.Assembly.GetName().Name
            is { } name && (name == "natgw" || name.StartsWith("NatGateway", StringComparison.Ordinal));

    public IServiceProvider Services => _app.Services;

    /// <summary>A client with a new token of <paramref name="role"/>, or anonymous when null.</summary>
    public async Task<HttpClient> ClientAsync(Role? role)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (role is { } r)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                await TestAccounts.CreateTokenAsync(DatabasePath, r, $"t-{r.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}"[..24]));
        return client;
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
