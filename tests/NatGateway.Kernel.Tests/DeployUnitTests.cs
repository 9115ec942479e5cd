using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>deploy/natgw.service is checked by systemd itself, with ExecStart pointed at the natgw just built.</summary>
public sealed class DeployUnitTests
{
    [Fact]
    public void The_systemd_unit_passes_systemd_analyze_verify()
    {
        if (!File.Exists("/usr/bin/systemd-analyze")) return; // Only where systemd is installed; deploy/test.sh installs it.
        var unit = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "natgw.service"));
        var built = Path.GetDirectoryName(RepositoryPaths.NatgwDll)!;
        Assert.True(File.Exists(Path.Combine(built, "natgw")), "the natgw apphost must exist next to natgw.dll");
        Assert.Contains("ExecStart=/opt/natgw/natgw serve", unit);
        Assert.Contains("WorkingDirectory=/opt/natgw", unit);
        Assert.Contains("CAP_NET_ADMIN", unit);

        var dir = Directory.CreateTempSubdirectory("natgw-unit-").FullName;
        try
        {
            var path = Path.Combine(dir, "natgw.service");
            File.WriteAllText(path, unit.Replace("/opt/natgw", built, StringComparison.Ordinal));
            var result = ProcessRunner.Run("systemd-analyze", "verify", path);
            // verify prints warnings about unrelated host units on some machines: judge only lines about our unit.
            var ours = (result.StandardError + result.StandardOutput).Split('\n')
                .Where(l => l.Contains("natgw.service", StringComparison.Ordinal)).ToList();
            Assert.True(ours.Count == 0, string.Join('\n', ours));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
