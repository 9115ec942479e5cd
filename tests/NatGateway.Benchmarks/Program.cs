using NatGateway.Benchmarks;
using NatGateway.Benchmarks.Capacity;

// One entry per benchmark, each in its own file/folder; add `conntrack`, `nat`, ... here.
var benchmarks = new SortedDictionary<string, IBenchmark>(StringComparer.Ordinal)
{
    ["app-scale"] = new NatGateway.Benchmarks.AppScale.AppScaleBenchmark(),
    ["capacity"] = new CapacityBenchmark(),
    ["conntrack"] = new NatGateway.Benchmarks.Conntrack.ConntrackBenchmark(),
    ["doctor"] = new NatGateway.Benchmarks.Doctor.DoctorBenchmark(),
    ["ha"] = new NatGateway.Benchmarks.Ha.HaBenchmark(),
    ["nat"] = new NatGateway.Benchmarks.Nat.NatBenchmark(),
};

if (args.Length == 0 || args[0] is "-h" or "--help" || !benchmarks.TryGetValue(args[0], out var benchmark))
{
    if (args.Length > 0 && args[0] is not ("-h" or "--help")) Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
    Console.Error.WriteLine("usage: dotnet run -c Release --project tests/NatGateway.Benchmarks -- BENCHMARK [options]");
    foreach (var (name, b) in benchmarks) Console.Error.WriteLine($"  {name,-12} {b.Description}");
    return args.Length == 0 || args[0] is "-h" or "--help" ? 0 : 2;
}
return benchmark.Run(args[1..], Console.Out);
