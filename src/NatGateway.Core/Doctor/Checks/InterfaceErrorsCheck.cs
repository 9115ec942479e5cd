using NatGateway.Core.Kernel;
using static NatGateway.Core.Doctor.Checks.CheckSupport;

namespace NatGateway.Core.Doctor.Checks;

/// <summary>
/// The drop and error columns of /proc/net/dev, as rates between the previous and this snapshot: rx errors are
/// frames the NIC received broken (CRC, length, FIFO overrun), rx drops packets the driver or the core had no room
/// or no use for, tx drops/errors packets a full queue or the link refused.
/// </summary>
public sealed class InterfaceErrorsCheck : IDoctorCheck
{
    public CheckId Id => CheckId.InterfaceErrors;
    public CheckArea Area => CheckArea.Interfaces;
    private const string Title = "Interface drops and errors";

    /// <summary>Any rise counts: these are cumulative counters, so only growth now says something is wrong now.</summary>
    public const double RisingPerSecond = 0;

    public CheckResult Evaluate(DoctorSnapshot s)
    {
        if (s.Interfaces.Value is not { } interfaces) return CheckResult.NotApplicable(Id, Area, Title, $"the interfaces could not be read: {s.Interfaces.Problem}");
        if (s.Previous?.Interfaces.Value is not { } before)
            return CheckResult.NotApplicable(Id, Area, Title, "needs two samples of the counters");
        var seconds = (s.At - s.Previous.At).TotalSeconds;
        if (seconds <= 0) return CheckResult.NotApplicable(Id, Area, Title, "needs two samples of the counters");

        var evidence = new List<Evidence>();
        var rising = new List<string>();
        foreach (var nic in interfaces)
        {
            if (before.FirstOrDefault(b => b.Name == nic.Name && b.Index == nic.Index) is not { } was) continue;
            var growth = new (string Name, ulong Now, ulong Then)[]
            {
                ("rx drops", nic.Counters.RxDropped, was.Counters.RxDropped),
                ("rx errors", nic.Counters.RxErrors, was.Counters.RxErrors),
                ("tx drops", nic.Counters.TxDropped, was.Counters.TxDropped),
                ("tx errors", nic.Counters.TxErrors, was.Counters.TxErrors),
            };
            var up = growth.Where(g => g.Now > g.Then && (g.Now - g.Then) / seconds > RisingPerSecond).ToList();
            evidence.Add(new Evidence(nic.Name,
                $"rx drops {nic.Counters.RxDropped}, rx errors {nic.Counters.RxErrors}, tx drops {nic.Counters.TxDropped}, tx errors {nic.Counters.TxErrors}" +
                (up.Count == 0 ? "" : "; rising: " + string.Join(", ", up.Select(g => $"{g.Name} {Rate((g.Now - g.Then) / seconds)}"))),
                s.Interfaces.Source));
            if (up.Count > 0) rising.Add($"{nic.Name} ({string.Join(", ", up.Select(g => g.Name))})");
        }
        if (rising.Count == 0)
            return new CheckResult(Id, Area, CheckStatus.Ok, Title, "no interface's drops or errors are rising",
                "The interfaces deliver and send what they are given.", evidence, []);
        return new CheckResult(Id, Area, CheckStatus.Warning, Title, $"drops or errors rising on {string.Join("; ", rising)}",
            "Rising rx errors point at the link (cable, optics, duplex, a NIC overrun); rising rx drops at a receive ring or " +
            "backlog that is too small or a CPU that cannot keep up (see the softnet check), and some drivers also count " +
            "frames for protocols nobody listens to here; rising tx drops at a full transmit queue or a shaper. " +
            "Compare with `ip -s link` and `ethtool -S` for the driver's own counters.",
            evidence, []);
    }
}
