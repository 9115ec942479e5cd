using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Core.Settings;
using NatGateway.Core.Tests.Fakes;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;
using Xunit;

namespace NatGateway.Core.Tests;

/// <summary>The pipeline's observer hook (the metrics' apply histogram and failure counter): one observation per run, with
/// the outcome the exception means, and the exception still reaching the caller.</summary>
public sealed class ApplyObserverTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-observer-").FullName;
    private readonly InMemoryKernel _kernel = new("lan0", "wan0");
    private readonly Recorder _recorder = new();
    private readonly ServiceProvider _services;
    private readonly ApplyPipeline _pipeline;

    public ApplyObserverTests()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        _kernel.PersistTo(_dir);
        var rules = new NatRulesService(_kernel, db, new NatCompileOptions(), clock);
        _services = RevisionsHost.Build(rules, new KernelSettingsService(_kernel, db, clock), new RuleFlowService(_kernel, new NatCompileOptions()),
            db, clock, observer: _recorder);
        _pipeline = _services.GetRequiredService<ApplyPipeline>();
    }

    private static ApplyRequest Request(int port, TimeSpan? confirmWithin = null) => new(new GatewayState([NatRuleJson.Parse($$"""
        {"kind": "dnat", "name": "web", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "{{port}}", "targetAddress": "10.0.0.2", "targetPort": "80"}
        """).Rule! with { MarkId = 1 }], null), RevisionKind.Apply, null, "test", confirmWithin);

    [Fact]
    public async Task Each_run_is_observed_once_with_its_outcome()
    {
        await _pipeline.RunAsync(Request(8080));
        _kernel.RecordingNftables.ApplyFailure = new NftablesException("refused", "Error: test");
        await Assert.ThrowsAsync<NftablesException>(() => _pipeline.RunAsync(Request(8081)));
        _kernel.RecordingNftables.ApplyFailure = new KernelUnavailableException("agent socket closed");
        await Assert.ThrowsAsync<KernelUnavailableException>(() => _pipeline.RunAsync(Request(8082)));
        _kernel.RecordingNftables.ApplyFailure = null;
        await _pipeline.RunAsync(Request(8083, TimeSpan.FromSeconds(60)));
        await Assert.ThrowsAsync<ConfirmationPendingException>(() => _pipeline.RunAsync(Request(8084)));

        Assert.Equal([ApplyOutcome.Applied, ApplyOutcome.Failed, ApplyOutcome.Interrupted, ApplyOutcome.Applied, ApplyOutcome.Refused],
            _recorder.Seen.Select(o => o.Outcome));
        Assert.All(_recorder.Seen, o => Assert.Equal(RevisionKind.Apply, o.Kind));
        Assert.All(_recorder.Seen, o => Assert.True(o.Duration >= TimeSpan.Zero));
    }

    private sealed class Recorder : IApplyObserver
    {
        public List<ApplyObservation> Seen { get; } = [];
        public void Observe(ApplyObservation observation) => Seen.Add(observation);
    }

    public void Dispose()
    {
        _services.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
