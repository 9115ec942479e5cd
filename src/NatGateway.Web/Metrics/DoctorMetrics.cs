using NatGateway.Core.Doctor;
using Prometheus;

namespace NatGateway.Web.Metrics;

/// <summary>
/// The doctor's verdict per check from its latest report (<see cref="DoctorService.Latest"/>): 0 ok or not applicable,
/// 1 warning, 2 critical. A scrape never runs the doctor (a run samples the kernel twice, a second apart); before the
/// first run the family is empty.
/// </summary>
public sealed class DoctorMetrics : IScrapeCollector
{
    private readonly DoctorService _doctor;
    private readonly Gauge _status, _lastRun;

    public DoctorMetrics(CollectorRegistry registry, DoctorService doctor)
    {
        _doctor = doctor;
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _status = f.CreateGauge("natgw_doctor_check_status",
            "The doctor's latest verdict per check: 0 ok or not applicable, 1 warning, 2 critical.",
            new GaugeConfiguration { LabelNames = ["check"] });
        _lastRun = f.CreateGauge("natgw_doctor_last_run_timestamp_seconds", "When the doctor's latest report was taken (Unix time).");
        _lastRun.Unpublish();
    }

    public string Name => "doctor";

    public Task CollectAsync(CancellationToken ct)
    {
        var report = _doctor.Latest;
        if (report is null)
        {
            Series.RemoveOthers(_status, []);
            _lastRun.Unpublish();
            return Task.CompletedTask;
        }
        foreach (var check in report.Checks)
            _status.WithLabels(CheckIds.Text(check.Id)).Set(Value(check.Status));
        Series.RemoveOthers(_status, report.Checks.Select(c => new[] { CheckIds.Text(c.Id) }));
        _lastRun.Set(report.At.ToUnixTimeMilliseconds() / 1000.0);
        _lastRun.Publish();
        return Task.CompletedTask;
    }

    public static int Value(CheckStatus status) => status switch
    {
        CheckStatus.Critical => 2,
        CheckStatus.Warning => 1,
        _ => 0,
    };
}
