using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NatGateway.Core.Cluster;
using NatGateway.Core.Cluster.Sync;
using NatGateway.Core.Kernel;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using NatGateway.TestSupport;
using NatGateway.Web.Hosting;
using Xunit;

namespace NatGateway.Web.Tests.Cluster;

/// <summary>
/// Two whole natgw apps in this process, a primary and a backup, each with its own database and in-memory kernel (the
/// kernel is not the point here), each with a management listener on 127.0.0.1 and a sync listener on its own loopback
/// address (127.0.0.21 / 127.0.0.22, as two sync-link addresses), sharing one secret. Only the sync loop of natgw's
/// background services runs. A node can be stopped and started again on the same database, kernel and sync port (a
/// peer that was down).
/// </summary>
public sealed class SyncPair : IAsyncLifetime
{
    public static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)(i * 7)).ToArray();

    public SyncNode Primary { get; }
    public SyncNode Backup { get; }

    public SyncPair()
    {
        var primarySync = new IPEndPoint(IPAddress.Parse("127.0.0.21"), FreePort(IPAddress.Parse("127.0.0.21")));
        var backupSync = new IPEndPoint(IPAddress.Parse("127.0.0.22"), FreePort(IPAddress.Parse("127.0.0.22")));
        Primary = new SyncNode("gw1", ClusterNodeRole.Primary, primarySync, backupSync);
        Backup = new SyncNode("gw2", ClusterNodeRole.Backup, backupSync, primarySync);
    }

    /// <summary>A port free now on <paramref name="address"/>: each node must know the other's before either starts.</summary>
    private static int FreePort(IPAddress address)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public async Task InitializeAsync()
    {
        await Primary.StartAsync();
        await Backup.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Backup.DisposeAsync();
        await Primary.DisposeAsync();
    }
}

public sealed class SyncNode : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-sync-").FullName;
    private WebApplication? _app;

    public SyncNode(string name, ClusterNodeRole role, IPEndPoint listen, IPEndPoint peer)
    {
        Settings = new ClusterSyncSettings { NodeName = name, Role = role, Listen = listen, Peer = peer, Secret = SyncPair.Secret };
    }

    public ClusterSyncSettings Settings { get; }
    public InMemoryKernel Kernel { get; } = new("lan0", "wan0");
    public string DatabasePath => Path.Combine(_dir, "natgw.db");
    public HttpClient Admin { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;
    public bool Running => _app is not null;

    public async Task StartAsync()
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
        }, ["--applicationName", "natgw"], services =>
        {
            services.AddSingleton<IGatewayKernel>(Kernel);
            // The sync settings given, not read from a stored configuration: the model refuses loopback sync addresses,
            // and these two apps share one host (the kernel test HaPairKernelTests configures a real pair through the API).
            services.AddSingleton<IClusterSyncSettingsProvider>(new FixedSettings(Settings));
            // natgw's monitors would reach for a kernel; only the sync loop runs (ASP.NET Core's own services stay).
            foreach (var d in services.Where(d => d.ServiceType == typeof(IHostedService) && IsNatgw(d)).ToList()) services.Remove(d);
            services.AddHostedService(sp => sp.GetRequiredService<ConfigSyncService>());
            services.AddHostedService(sp => sp.GetRequiredService<NatGateway.Web.Cluster.PeerSyncServer>());
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.Contains("127.0.0.1", StringComparison.Ordinal));
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
        Admin?.Dispose();
        Admin = await ClientAsync(Role.Admin);
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
        SqliteConnection.ClearAllPools();
    }

    private static bool IsNatgw(ServiceDescriptor d) =>
        (d.ImplementationType ?? d.ImplementationInstance?.GetType() ?? d.ImplementationFactory?.Method.DeclaringType)?.Assembly.GetName().Name
            is { } name && (name == "natgw" || name.StartsWith("NatGateway", StringComparison.Ordinal));

    private sealed class FixedSettings(ClusterSyncSettings settings) : IClusterSyncSettingsProvider
    {
        public ClusterSyncSettings? Current => settings;
        public event Action? Changed { add { } remove { } }
    }

    public IClusterPeerStatus PeerStatus => Services.GetRequiredService<IClusterPeerStatus>();

    public async Task<HttpClient> ClientAsync(Role role)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            await TestAccounts.CreateTokenAsync(DatabasePath, role, $"t-{Guid.NewGuid():N}"[..24]));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Admin?.Dispose();
        await StopAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
