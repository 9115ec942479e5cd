using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NatGateway.Core.Doctor;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Nftables;

namespace NatGateway.Core.Tests.Fakes;

/// <summary>
/// The doctor over the in-memory kernel: the real <see cref="DoctorService"/>, collector, <see cref="DoctorMonitor"/>
/// and <see cref="DoctorFixService"/>, with the checks a test gives (the real forwarding-off check unless told).
/// </summary>
public sealed class DoctorHost : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("natgw-doctor-").FullName;
    public InMemoryKernel Kernel { get; } = new("lan0", "wan0");
    public TestDbFactory Db { get; }
    public NatRulesService Rules { get; }
    public KernelSettingsService Settings { get; }
    public RevisionService Revisions { get; }
    public DoctorService Doctor { get; }
    public DoctorMonitor Monitor { get; }
    public DoctorFixService Fixes { get; }
    public SafeApplyOptions SafeApply { get; } = new() { ConfirmWindow = TimeSpan.FromSeconds(90) };
    private readonly ServiceProvider _revisionServices;

    public DoctorHost(IEnumerable<IDoctorCheck>? checks = null, DoctorOptions? options = null, IConntrackDoctorFacts? facts = null)
    {
        // The system clock: the doctor's first run waits one sample interval on it.
        var clock = TimeProvider.System;
        Db = new TestDbFactory(Path.Combine(Directory, "t.db"));
        Kernel.PersistTo(Directory);
        Rules = new NatRulesService(Kernel, Db, new NatCompileOptions(), clock);
        Settings = new KernelSettingsService(Kernel, Db, clock);
        _revisionServices = RevisionsHost.Build(Rules, Settings, new RuleFlowService(Kernel, new NatCompileOptions()), Db, clock);
        Revisions = _revisionServices.GetRequiredService<RevisionService>();
        var collector = new DoctorSnapshotCollector(Kernel, Settings, _revisionServices.GetRequiredService<RevisionStore>(),
            facts ?? new MirrorConntrackDoctorFacts(Kernel, _revisionServices.GetRequiredService<RevisionStore>(), new NatCompileOptions(), null), null, clock);
        Doctor = new DoctorService(checks ?? [new NatGateway.Core.Doctor.Checks.ForwardingOffCheck()], collector, Kernel, clock);
        Monitor = new DoctorMonitor(Doctor, Db, Options.Create(options ?? new DoctorOptions()), clock, NullLogger<DoctorMonitor>.Instance);
        Fixes = new DoctorFixService(Doctor, Revisions, Rules, SafeApply, new RevisionGatewayOptionFixes(Revisions));
    }

    /// <summary>Adds a port forward on wan0 and applies it, confirmed: a NAT rule in force.</summary>
    public async Task<NatGateway.Nat.NatRule> ForwardInForceAsync(int port = 8080)
    {
        var rule = await AddAsync($$"""{"kind": "dnat", "name": "web{{port}}", "inInterfaces": ["wan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "80"}""");
        await Revisions.ApplyRulesAsync("forward", "test");
        return rule;
    }

    public async Task<NatGateway.Nat.NatRule> AddAsync(string json)
    {
        var outcome = await Rules.CreateAsync(NatGateway.Nat.NatRuleJson.Parse(json).Rule!, "test");
        if (!outcome.Saved) throw new InvalidOperationException(string.Join("; ", outcome.Errors.Select(e => e.Message)));
        return outcome.Rule!;
    }

    public void Dispose()
    {
        Monitor.Dispose();
        _revisionServices.Dispose();
        Rules.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>A check whose result the test sets (the fix plumbing without the real checks' conditions).</summary>
public sealed class FixedCheck(CheckId id, CheckArea area) : IDoctorCheck
{
    public CheckId Id => id;
    public CheckArea Area => area;
    public CheckResult? Result { get; set; }

    public CheckResult Evaluate(DoctorSnapshot snapshot) =>
        Result ?? new CheckResult(id, area, CheckStatus.Ok, id.ToString(), "fine", "fine", [], []);
}
