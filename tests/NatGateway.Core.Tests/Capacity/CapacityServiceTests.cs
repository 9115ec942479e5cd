using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NatGateway.Capacity.Planning;
using NatGateway.Core.Capacity;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Core.Tests;
using NatGateway.Data;
using Xunit;

namespace NatGateway.Core.Tests.Capacity;

public sealed class CapacityServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-capacity-").FullName;
    private readonly InMemoryKernel _kernel = new("lan0", "wan0");
    private readonly FakeCapacityReader _reader = new();
    private readonly TestDbFactory _db;
    private readonly CapacityService _service;

    public CapacityServiceTests()
    {
        foreach (var (key, value) in new Dictionary<string, string>
                 {
                     ["net.netfilter.nf_conntrack_max"] = "262144",
                     ["net.netfilter.nf_conntrack_buckets"] = "262144",
                     ["net.netfilter.nf_conntrack_tcp_timeout_time_wait"] = "120",
                     ["net.netfilter.nf_conntrack_udp_timeout"] = "30",
                 })
            _kernel.Memory.Values[key] = value;
        _db = new TestDbFactory(Path.Combine(_dir, "natgw.db"));
        _kernel.PersistTo(_dir);
        _service = new CapacityService(_kernel, _reader, _db,
            TimeProvider.System);
    }

    private string SysctlFile => Path.Combine(_dir, "sysctl.d", "91-natgw-conntrack.conf");
    private string ModprobeFile => Path.Combine(_dir, "modprobe.d", "natgw-conntrack.conf");

    [Fact]
    public async Task In_the_initial_namespace_max_buckets_and_timeouts_are_written_recorded_and_persisted()
    {
        var request = new CapacityApplyRequest
        {
            ConntrackMax = 500_000, Buckets = 500_224,
            Timeouts = new Dictionary<string, int> { ["nf_conntrack_tcp_timeout_time_wait"] = 30 },
            Persist = true,
        };
        Assert.Empty(_service.Validate(request));

        var result = await _service.ApplyAsync(request, "test");

        Assert.Equal("500000", _kernel.Memory.Values["net.netfilter.nf_conntrack_max"]);
        Assert.Equal("500224", _kernel.Memory.Values["net.netfilter.nf_conntrack_buckets"]);
        Assert.Equal("30", _kernel.Memory.Values["net.netfilter.nf_conntrack_tcp_timeout_time_wait"]);
        Assert.Empty(result.ReadOnly);
        Assert.Equal(["net.netfilter.nf_conntrack_max", "net.netfilter.nf_conntrack_buckets", "net.netfilter.nf_conntrack_tcp_timeout_time_wait"],
            result.Changes.Select(c => c.Key));

        var sysctl = await File.ReadAllTextAsync(SysctlFile);
        Assert.Contains("-net.netfilter.nf_conntrack_max = 500000\n", sysctl);
        Assert.Contains("-net.netfilter.nf_conntrack_buckets = 500224\n", sysctl);
        Assert.Contains("-net.netfilter.nf_conntrack_tcp_timeout_time_wait = 30\n", sysctl);
        Assert.DoesNotContain("nf_conntrack_udp_timeout ", sysctl); // still at the kernel default: not pinned
        Assert.Contains("options nf_conntrack hashsize=500224\n", await File.ReadAllTextAsync(ModprobeFile));
        Assert.Equal(ModprobeFile, result.ModprobeFile);

        await using var db = _db.CreateDbContext();
        var changes = db.SettingChanges.OrderBy(c => c.Id).ToList();
        Assert.Equal(3, changes.Count);
        Assert.All(changes, c => Assert.True(c.Persisted && c.ChangedBy == "test"));
        Assert.Equal(("262144", "500000"), (changes[0].OldValue, changes[0].NewValue));
    }

    [Fact]
    public async Task In_a_non_initial_namespace_max_and_buckets_are_explained_not_failed_and_timeouts_still_applied()
    {
        _kernel.Memory.ReadOnly.Add("net.netfilter.nf_conntrack_max");
        _kernel.Memory.ReadOnly.Add("net.netfilter.nf_conntrack_buckets");
        var request = new CapacityApplyRequest
        {
            ConntrackMax = 500_000, Buckets = 500_224,
            Timeouts = new Dictionary<string, int> { ["nf_conntrack_udp_timeout"] = 10 },
            Persist = true,
        };
        Assert.Empty(_service.Validate(request));
        Assert.False(_service.GlobalLimitsWritable);

        var result = await _service.ApplyAsync(request, "test");

        Assert.Equal("10", _kernel.Memory.Values["net.netfilter.nf_conntrack_udp_timeout"]);
        Assert.Equal("262144", _kernel.Memory.Values["net.netfilter.nf_conntrack_max"]);
        var change = Assert.Single(result.Changes);
        Assert.Equal("net.netfilter.nf_conntrack_udp_timeout", change.Key);
        Assert.Equal(["net.netfilter.nf_conntrack_max", "net.netfilter.nf_conntrack_buckets"], result.ReadOnly.Select(r => r.Key));
        Assert.All(result.ReadOnly, r => Assert.Contains("initial network namespace", r.Explanation));
        Assert.Equal(("500000", "262144"), (result.ReadOnly[0].Requested, result.ReadOnly[0].Current));

        // Global limits are not persisted from inside a namespace: at boot they would change the host.
        var sysctl = await File.ReadAllTextAsync(SysctlFile);
        Assert.DoesNotContain("nf_conntrack_max", sysctl);
        Assert.Contains("-net.netfilter.nf_conntrack_udp_timeout = 10\n", sysctl);
        Assert.Null(result.ModprobeFile);
        Assert.False(File.Exists(ModprobeFile));
    }

    [Fact]
    public async Task A_kernel_refusal_restores_the_keys_already_written_and_names_the_field()
    {
        _kernel.Memory.Rejecting.Add("net.netfilter.nf_conntrack_buckets");
        var request = new CapacityApplyRequest { ConntrackMax = 400_000, Buckets = 400_384 };

        var e = await Assert.ThrowsAsync<SettingsApplyException>(() => _service.ApplyAsync(request, "test"));

        Assert.Equal("buckets", e.Field);
        Assert.Equal("262144", _kernel.Memory.Values["net.netfilter.nf_conntrack_max"]);
        await using var db = _db.CreateDbContext();
        Assert.Empty(db.SettingChanges);
    }

    [Fact]
    public void Invalid_apply_requests_get_an_error_per_field()
    {
        var errors = _service.Validate(new CapacityApplyRequest
        {
            ConntrackMax = 0, Buckets = -1,
            Timeouts = new Dictionary<string, int> { ["nf_conntrack_bogus"] = 5, ["nf_conntrack_udp_timeout"] = 0, ["nf_conntrack_icmp_timeout"] = 10 },
        });

        Assert.Equal(["buckets", "conntrackMax", "timeouts.nf_conntrack_bogus", "timeouts.nf_conntrack_icmp_timeout", "timeouts.nf_conntrack_udp_timeout"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("does not exist", errors["timeouts.nf_conntrack_icmp_timeout"][0]); // not in this kernel double
        Assert.Contains("nothing to apply", _service.Validate(new CapacityApplyRequest())["body"][0]);
    }

    [Fact]
    public void The_apply_request_for_a_plan_takes_its_max_buckets_and_only_shortening_timeout_suggestions()
    {
        var plan = _service.Plan(new CapacityPlanRequest { Rates = new ConnectionRates { TcpPerSecond = 1000, UdpPerSecond = 100 }, PeakFactor = 1.5 });

        var withTimeouts = CapacityService.ApplyRequestFor(plan, includeTimeoutSuggestions: true, persist: true);
        var without = CapacityService.ApplyRequestFor(plan, includeTimeoutSuggestions: false, persist: false);

        Assert.Equal((plan.RecommendedMax, plan.RecommendedBuckets), (withTimeouts.ConntrackMax!.Value, withTimeouts.Buckets!.Value));
        Assert.Equal(30, withTimeouts.Timeouts["nf_conntrack_tcp_timeout_time_wait"]);
        Assert.All(withTimeouts.Timeouts, t => Assert.True(t.Value < plan.Timeouts.Single(p => p.Sysctl == t.Key).CurrentSeconds));
        Assert.Empty(without.Timeouts);
        Assert.False(without.Persist);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
