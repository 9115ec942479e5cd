namespace NatGateway.TestSupport;

/// <summary>Finds the repository and the built natgw app from a test's output folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "NatGateway.sln"))) return dir.FullName;
        throw new InvalidOperationException($"NatGateway.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Debug or Release: whichever configuration this test assembly was built in.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    /// <summary>natgw.dll from src/NatGateway.Web's build output (the test projects reference it so it is built first).</summary>
    public static string NatgwDll
    {
        get
        {
            var path = Path.Combine(Root, "src", "NatGateway.Web", "bin", Configuration, "net10.0", "natgw.dll");
            if (!File.Exists(path)) throw new FileNotFoundException($"natgw is not built: {path} (run the test command from the README)");
            return path;
        }
    }
}
