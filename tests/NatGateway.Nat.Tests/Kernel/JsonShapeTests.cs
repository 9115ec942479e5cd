using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Nat.Tests.Kernel;

/// <summary>
/// Every golden batch (together they hold every JSON shape the compiler emits) is fed to the real
/// <c>nft -j -f</c> in a child process inside a throwaway namespace (<c>unshare -n</c>): a libnftables crash
/// (see STACK-NOTES: concatenated map types) kills the child, not the test host, and fails the test.
/// </summary>
public sealed class JsonShapeTests
{
    public static TheoryData<string> Names => new(GoldenCases.All.Select(c => c.Name));

    [KernelTheory]
    [MemberData(nameof(Names))]
    public void Nft_checks_applies_and_lists_the_golden_batch_as_annotated(string name)
    {
        var golden = Golden.Load(GoldenCases.All.Single(c => c.Name == name));
        using var dir = new TempDirectory();
        var batch = dir.Write("batch.json", golden["batch"]!.ToJsonString());
        var result = ProcessRunner.Run("unshare", ["-n", "sh", "-c",
            $"nft -c -j -f {batch} && nft -j -f {batch} && nft -s list table ip natgw && nft -s list table ip6 natgw && {{ nft -s list table inet natgw_ct 2>/dev/null || true; }}"], TimeSpan.FromSeconds(20));
        Assert.True(result.ExitCode == 0, $"nft exited {result.ExitCode} (>128 = killed by a signal): {result.StandardError}");
        var expected = golden["nftTable"]!.AsArray().Select(n => n!.GetValue<string>());
        // libnftables before 1.0.9 drops a ct timeout object's policy from JSON input (see
        // NftablesNatEngine.FirstVersionKeepingTimeoutPolicies; the engine creates the objects with its own netlink first,
        // which plain nft -j does not): the kernel then lists it empty. The table inet natgw_ct (the timeout policies) is
        // listed when the batch left it, after the NAT tables, as in the annotation.
        if (NftCliVersion() < NftablesNatEngine.FirstVersionKeepingTimeoutPolicies)
            expected = expected.Select(l => l.StartsWith("\t\tpolicy = { ") ? "\t\tpolicy = {  }" : l);
        Assert.Equal(Lines(expected), Lines(result.StandardOutput.Split('\n')));
    }

    /// <summary>"nftables v1.0.6 (Lester Gooch #5)" → 1.0.6.</summary>
    private static Version NftCliVersion() =>
        Version.Parse(ProcessRunner.Run("nft", ["--version"], TimeSpan.FromSeconds(20)).StandardOutput.Split(' ')[1].TrimStart('v'));

    [KernelTheory]
    [MemberData(nameof(Names))]
    public void The_annotated_nft_add_rule_commands_build_the_same_table(string name)
    {
        var golden = Golden.Load(GoldenCases.All.Single(c => c.Name == name));
        var table = golden["nftTable"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        // The skeleton (tables, chains, sets, maps) from the listing, then every annotated "nft add rule" command.
        var skeleton = SkeletonOf(table);
        var commands = golden["nft"]!.AsArray().Select(n => n!.GetValue<string>()["nft ".Length..]);
        using var dir = new TempDirectory();
        var script = dir.Write("script.nft", string.Join('\n', skeleton.Concat(commands)) + "\n");
        var result = ProcessRunner.Run("unshare", ["-n", "sh", "-c", $"nft -f {script} && nft -s list table ip natgw && nft -s list table ip6 natgw && {{ nft -s list table inet natgw_ct 2>/dev/null || true; }}"], TimeSpan.FromSeconds(20));
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(Lines(table), Lines(result.StandardOutput.Split('\n')));
    }

    private static IEnumerable<string> SkeletonOf(IReadOnlyList<string> listing)
    {
        var inChain = false;
        foreach (var raw in listing)
        {
            var line = raw.Trim();
            if (line.StartsWith("chain ")) inChain = true;
            else if (line == "}") inChain = false;
            else if (inChain && !line.StartsWith("type ")) continue;
            yield return raw;
        }
    }

    private static string[] Lines(IEnumerable<string> lines) => lines.Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToArray();
}

internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("natgw-test-").FullName;
    public string Write(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, content);
        return file;
    }
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
