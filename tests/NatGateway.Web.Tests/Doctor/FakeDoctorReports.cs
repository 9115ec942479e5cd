using System.Net;
using NatGateway.Core.Doctor;
using NatGateway.Core.Paging;
using NatGateway.Data.Entities;

namespace NatGateway.Web.Tests.Doctor;

/// <summary>The doctor's live side as pages see it, with a report and a history the test sets.</summary>
public sealed class FakeDoctorReports : IDoctorReports
{
    private readonly List<Action<DoctorReport>> _subscribers = [];

    public DoctorReport? Latest { get; set; }

    public List<DoctorStatusChange> History { get; } = [];

    /// <summary>What "Run now" does; by default it answers the latest report again.</summary>
    public Func<CancellationToken, Task<DoctorReport>>? Run { get; set; }

    public int Subscribers => _subscribers.Count;

    public IDisposable Subscribe(Action<DoctorReport> onReport)
    {
        lock (_subscribers) _subscribers.Add(onReport);
        return new Handle(() => { lock (_subscribers) _subscribers.Remove(onReport); });
    }

    public void Publish(DoctorReport report)
    {
        Latest = report;
        Action<DoctorReport>[] targets;
        lock (_subscribers) targets = _subscribers.ToArray();
        foreach (var t in targets) t(report);
    }

    public async Task<DoctorReport> RunNowAsync(CancellationToken ct = default)
    {
        var report = Run is null ? Latest ?? new DoctorReport(DateTimeOffset.UtcNow, []) : await Run(ct);
        Publish(report);
        return report;
    }

    public Task<PagedList<DoctorStatusChange>> HistoryPageAsync(int page, int pageSize, CancellationToken ct = default) =>
        Task.FromResult(new PagedList<DoctorStatusChange>(
            History.OrderByDescending(c => c.Id).Skip((page - 1) * pageSize).Take(pageSize).ToList(), page, pageSize, History.Count));

    private sealed class Handle(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    public static CheckResult Check(CheckId id, CheckArea area, CheckStatus status, params DoctorFix[] fixes) =>
        new(id, area, status, $"{id} title", $"{id} is {status}", $"why {id}", [new Evidence($"{id} value", "42", "/proc/test")], fixes);
}

/// <summary>SNAT port use and the state census as the test sets them (the mirror's meter is other work).</summary>
public sealed class FakeConntrackDoctorFacts : IConntrackDoctorFacts
{
    public IReadOnlyList<SnatPortUse> Use { get; set; } =
    [
        new(IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.7"), 443, NatGateway.Conntrack.IPProtocol.Tcp, 950, 1000, null, "out"),
        new(IPAddress.Parse("192.0.2.1"), IPAddress.Parse("198.51.100.8"), 443, NatGateway.Conntrack.IPProtocol.Tcp, 100, 1000, null, "out"),
        new(IPAddress.Parse("192.0.2.2"), IPAddress.Parse("198.51.100.7"), 443, NatGateway.Conntrack.IPProtocol.Tcp, 250, 1000, null, "out"),
    ];

    public StateCensus Census { get; set; } = new(130,
    [
        new("ESTABLISHED", 30, "nf_conntrack_tcp_timeout_established", 432000),
        new("TIME_WAIT", 100, "nf_conntrack_tcp_timeout_time_wait", 120),
    ]);

    public Task<IReadOnlyList<SnatPortUse>> SnatPortUseAsync(int limit, CancellationToken ct) => Task.FromResult(Use);

    public Task<ConntrackDoctorReading> ReadAsync(int snatLimit, CancellationToken ct) => Task.FromResult(new ConntrackDoctorReading(Use, Census));
}
