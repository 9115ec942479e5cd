using System.Globalization;
using System.Text.RegularExpressions;
using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// The kernel's floor for a dump: <c>native/ctfloor.c</c> (one IPCTNL_MSG_CT_GET dump request, messages only
/// counted, its own monotonic clock around send..NLMSG_DONE), compiled at run time with cc/gcc (gcc is installed
/// with apt-get when no compiler is there).
/// </summary>
internal sealed partial class KernelFloorDumper : IDisposable
{
    private readonly string _directory;

    public string Executable { get; }

    private KernelFloorDumper(string directory, string executable)
    {
        _directory = directory;
        Executable = executable;
    }

    public static KernelFloorDumper Compile(TextWriter output)
    {
        var source = Path.Combine(RepositoryPaths.Root, "tests", "NatGateway.Benchmarks", "native", "ctfloor.c");
        var compiler = FindCompiler();
        if (compiler is null)
        {
            output.WriteLine("no C compiler: apt-get install -y gcc");
            ProcessRunner.Run("apt-get", ["install", "-y", "-q", "gcc"], TimeSpan.FromMinutes(5)).EnsureSuccess("apt-get install gcc");
            compiler = FindCompiler() ?? throw new InvalidOperationException("gcc still missing after apt-get install");
        }
        var directory = Directory.CreateTempSubdirectory("ngw-ctfloor-").FullName;
        var executable = Path.Combine(directory, "ctfloor");
        ProcessRunner.Run(compiler, ["-O2", "-o", executable, source], TimeSpan.FromMinutes(2)).EnsureSuccess($"{compiler} ctfloor.c");
        return new KernelFloorDumper(directory, executable);
    }

    private static string? FindCompiler() =>
        new[] { "/usr/bin/cc", "/usr/bin/gcc" }.FirstOrDefault(File.Exists);

    /// <summary>Runs the dumper in <paramref name="ns"/>; returns the messages counted, the time on its own clock and
    /// the process's CPU time (the kernel's dump work runs inside its recv calls, so it is counted there).</summary>
    public (long Messages, Sample Time) Run(string ns)
    {
        var result = TimedCommand.RunChecked(ns, Executable, discardOutput: false);
        var match = FloorLine().Match(result.StandardOutput);
        if (!match.Success) throw new InvalidOperationException("unexpected ctfloor output: " + result.StandardOutput);
        return (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                new Sample(TimeSpan.FromSeconds(double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)), result.CpuTime));
    }

    [GeneratedRegex(@"C floor: (\d+) msgs ([0-9.]+)s")]
    private static partial Regex FloorLine();

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
