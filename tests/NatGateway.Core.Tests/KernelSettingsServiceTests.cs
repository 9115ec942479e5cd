using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NatGateway.Core.Kernel;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data;
using Xunit;

namespace NatGateway.Core.Tests;

public sealed class KernelSettingsServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-settings-").FullName;
    private readonly InMemoryKernel _kernel = new("eth0", "eth1");
    private readonly KernelSettingsService _service;
    private readonly TestDbFactory _db;

    public KernelSettingsServiceTests()
    {
        _db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        _kernel.PersistTo(_dir);
        _service = new KernelSettingsService(_kernel, _db, TimeProvider.System);
    }

    [Fact]
    public void Read_reports_values_and_the_effective_rp_filter_as_the_maximum_of_all_and_own()
    {
        _kernel.Memory.Values["net.ipv4.conf.all.rp_filter"] = "2";
        _kernel.Memory.Values["net.ipv4.conf.eth0.rp_filter"] = "1";
        var view = _service.Read();
        Assert.False(view.Ipv4Forwarding);
        Assert.Equal(2, view.RpFilter.All);
        Assert.Equal(1, view.RpFilter.Default);
        var eth0 = view.EffectiveRpFilter.Single(e => e.Interface == "eth0");
        Assert.Equal(1, eth0.Own);
        Assert.Equal(2, eth0.Effective);
        Assert.Contains("maximum", eth0.Explanation);
    }

    [Fact]
    public async Task Apply_writes_only_what_differs_and_records_each_change_with_its_author()
    {
        var result = await _service.ApplyAsync(new SettingsUpdate
        {
            Ipv4Forwarding = true, RpFilterDefault = 1, RpFilterInterfaces = new Dictionary<string, int> { ["eth1"] = 2 },
        }, "api 10.0.0.9");

        Assert.Equal(["net.ipv4.ip_forward", "net.ipv4.conf.eth1.rp_filter"], result.Changes.Select(c => c.Key).ToArray());
        Assert.Equal("1", _kernel.Memory.Values["net.ipv4.ip_forward"]);
        var history = await _service.HistoryAsync();
        Assert.Equal(2, history.Count);
        Assert.All(history, h => Assert.Equal("api 10.0.0.9", h.ChangedBy));
        Assert.Contains(history, h => h is { Key: "net.ipv4.ip_forward", OldValue: "0", NewValue: "1" });
    }

    [Fact]
    public async Task A_failing_write_restores_the_keys_already_written_and_records_nothing()
    {
        _kernel.Memory.Rejecting.Add("net.ipv4.conf.eth0.rp_filter");
        var e = await Assert.ThrowsAsync<SettingsApplyException>(() => _service.ApplyAsync(new SettingsUpdate
        {
            Ipv4Forwarding = true, RpFilterAll = 2, RpFilterInterfaces = new Dictionary<string, int> { ["eth0"] = 1 },
        }, "web"));

        Assert.Equal("rpFilter.interfaces.eth0", e.Field);
        Assert.Contains("No setting was changed", e.Message);
        Assert.Equal("0", _kernel.Memory.Values["net.ipv4.ip_forward"]);
        Assert.Equal("0", _kernel.Memory.Values["net.ipv4.conf.all.rp_filter"]);
        Assert.Empty(await _service.HistoryAsync());
    }

    [Fact]
    public void Validate_names_unknown_interfaces_and_read_only_keys_before_anything_is_written()
    {
        _kernel.Memory.ReadOnly.Add("net.ipv6.conf.all.forwarding");
        var errors = _service.Validate(new SettingsUpdate
        {
            Ipv6Forwarding = true, RpFilterInterfaces = new Dictionary<string, int> { ["wlan9"] = 1 },
        });
        Assert.Contains("read-only", errors["ipv6Forwarding"][0]);
        Assert.Contains("no interface named 'wlan9'", errors["rpFilter.interfaces.wlan9"][0]);
        Assert.Empty(_kernel.Memory.Writes);
    }

    [Fact]
    public async Task Persist_writes_a_sysctl_d_file_with_every_managed_key()
    {
        var result = await _service.ApplyAsync(new SettingsUpdate { Ipv4Forwarding = true, Persist = true }, "cli");
        Assert.NotNull(result.PersistedTo);
        var lines = await File.ReadAllLinesAsync(result.PersistedTo);
        Assert.Contains("net.ipv4.ip_forward = 1", lines);
        Assert.Contains("net.ipv6.conf.all.forwarding = 0", lines);
        Assert.Contains("-net.ipv4.conf.eth0.rp_filter = 0", lines);
        Assert.DoesNotContain(lines, l => l.Contains(".lo.", StringComparison.Ordinal));
        Assert.True((await _service.HistoryAsync()).Single().Persisted);
    }

    [Fact]
    public void Strict_mode_with_two_default_routes_or_a_shared_subnet_is_warned_about()
    {
        var strict = new[] { new InterfaceRpFilter("eth0", 1, 1, ""), new InterfaceRpFilter("eth1", 1, 1, "") };
        var nics = new[]
        {
            Nic("eth0", "192.168.1.2", 24), Nic("eth1", "192.168.1.3", 24),
        };
        var routes = new[] { new RouteInfo("0.0.0.0", 0, "192.168.1.1", "eth0"), new RouteInfo("0.0.0.0", 0, "10.0.0.1", "eth1") };

        var warnings = KernelSettingsService.AsymmetricRoutingWarnings(strict, nics, routes);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("2 IPv4 default routes"));
        Assert.Contains(warnings, w => w.Contains("share subnet 192.168.1.0/24"));

        var loose = strict.Select(s => s with { Effective = 2 }).ToArray();
        Assert.Empty(KernelSettingsService.AsymmetricRoutingWarnings(loose, nics, routes));
        Assert.Empty(KernelSettingsService.AsymmetricRoutingWarnings(strict, [Nic("eth0", "192.168.1.2", 24), Nic("eth1", "10.0.0.2", 24)], routes.Take(1).ToArray()));
    }

    [Fact]
    public void Keys_for_vlan_interfaces_use_slashes_like_sysctl()
    {
        Assert.Equal("net.ipv4.conf.eth0/100.rp_filter", SysctlKey.RpFilter("eth0.100").Name);
        Assert.Equal(Path.Combine("net", "ipv4", "conf", "eth0.100", "rp_filter"), SysctlKey.RpFilter("eth0.100").RelativePath);
    }

    private static NetworkInterfaceInfo Nic(string name, string address, int prefix) =>
        new(name, 2, "up", true, 1500, null, [new InterfaceAddress(IPAddress.Parse(address), prefix)], default);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>A migrated SQLite file per test: the same schema path the app uses.</summary>
public sealed class TestDbFactory : IDbContextFactory<NatGatewayDbContext>
{
    private readonly DbContextOptions<NatGatewayDbContext> _options;

    public TestDbFactory(string path)
    {
        var builder = new DbContextOptionsBuilder<NatGatewayDbContext>();
        builder.UseSqlite(DatabaseSetup.ConnectionString(path));
        _options = builder.Options;
        using var db = CreateDbContext();
        db.Database.EnsureCreated();
    }

    public NatGatewayDbContext CreateDbContext() => new(_options);
}
