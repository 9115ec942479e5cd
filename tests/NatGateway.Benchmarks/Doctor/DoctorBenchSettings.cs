namespace NatGateway.Benchmarks.Doctor;

/// <summary>Which parts a run measures (<c>--only</c>): the doctor over the API, the CLI, the /metrics scrape, the drop capture.</summary>
internal enum DoctorBenchPart { Doctor, Cli, Metrics, Drops }

/// <summary>Sizes of one run (<c>doctor [--entries 100000] [--rounds 5] [--scrapes 50] [--drop-pps 50000] [--single-process] [--only doctor|cli|metrics|drops[,...]] [--natgw PATH]</c>).</summary>
internal sealed record DoctorBenchSettings(int Entries, int Rounds, int Scrapes, int DropPacketsPerSecond, bool SingleProcess,
    IReadOnlySet<DoctorBenchPart> Parts, string NatgwPath)
{
    public bool Measures(DoctorBenchPart part) => Parts.Contains(part);

    /// <summary>The capture length asked of <c>POST /api/v1/doctor/drops</c>.</summary>
    public const int DropCaptureSeconds = 5;
}
