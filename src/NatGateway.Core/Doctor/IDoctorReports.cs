using NatGateway.Data.Entities;

namespace NatGateway.Core.Doctor;

/// <summary>What pages read of the doctor's live side (<see cref="DoctorMonitor"/>): the latest report, new ones as they
/// come, a run on demand and the status history. An interface so page tests can show a report made by hand.</summary>
public interface IDoctorReports
{
    DoctorReport? Latest { get; }

    IDisposable Subscribe(Action<DoctorReport> onReport);

    Task<DoctorReport> RunNowAsync(CancellationToken ct = default);

    Task<Paging.PagedList<DoctorStatusChange>> HistoryPageAsync(int page, int pageSize, CancellationToken ct = default);
}
