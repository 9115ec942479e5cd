using NatGateway.TestSupport;

namespace NatGateway.Benchmarks.Conntrack;

/// <summary>
/// The built natgw CLI (<c>src/NatGateway.Web/bin/Release/net10.0/natgw.dll</c>, or <c>--natgw PATH</c>), if it is
/// there and has <c>conntrack list --output</c>. Build it first with <c>dotnet build -c Release src/NatGateway.Web</c>.
/// </summary>
internal sealed record NatgwCliBinary(string Dll)
{
    public static string DefaultPath => Path.Combine(RepositoryPaths.Root, "src", "NatGateway.Web", "bin", "Release", "net10.0", "natgw.dll");

    /// <summary>The CLI at <paramref name="path"/>, or null with the reason when it is missing or lacks the command.</summary>
    public static NatgwCliBinary? Find(string path, out string? reason)
    {
        reason = null;
        if (!File.Exists(path))
        {
            reason = $"{path} not built (dotnet build -c Release src/NatGateway.Web)";
            return null;
        }
        var help = ProcessRunner.Run("dotnet", [path, "conntrack", "list", "--help"], TimeSpan.FromMinutes(1));
        if (help.ExitCode != 0 || !help.StandardOutput.Contains("--output", StringComparison.Ordinal))
        {
            reason = $"{path} has no 'conntrack list --output' (exit {help.ExitCode})";
            return null;
        }
        return new NatgwCliBinary(path);
    }

    /// <summary>The shell command line for <c>natgw ARGS</c>.</summary>
    public string Command(string arguments) => $"dotnet {Dll} {arguments}";

    public DateTime BuiltAt => File.GetLastWriteTime(Dll);
}
