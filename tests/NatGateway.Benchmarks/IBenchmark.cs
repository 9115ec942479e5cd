namespace NatGateway.Benchmarks;

/// <summary>One named measurement, run as <c>dotnet run -c Release --project tests/NatGateway.Benchmarks -- NAME [options]</c>.</summary>
public interface IBenchmark
{
    /// <summary>One line for the list printed by a run without arguments.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark with the arguments after its name; returns the process exit code.</summary>
    int Run(IReadOnlyList<string> args, TextWriter output);
}
