using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary><c>natgw config export|import</c> run inside a lab gateway namespace against a throwaway database.</summary>
public sealed class ConfigCliKernelTests
{
    [KernelFact]
    public void Export_then_import_round_trips_and_a_bad_document_exits_2_naming_the_fields()
    {
        using var lab = NamespaceLab.Create();
        var dir = Directory.CreateTempSubdirectory("natgw-config-").FullName;
        try
        {
            var db = Path.Combine(dir, "natgw.db");
            CommandResult Natgw(params string[] args) => lab.ExecWithTimeout(lab.Gateway, TimeSpan.FromSeconds(180), "dotnet", [RepositoryPaths.NatgwDll, .. args, "--db", db]);

            var good = Path.Combine(dir, "state.json");
            File.WriteAllText(good, """
                {"format": "natgw-state", "version": 1, "rules": [
                  {"kind": "dnat", "name": "web", "inInterfaces": ["lan0"], "protocol": "tcp", "destinationPort": "8080", "targetAddress": "10.77.2.2", "targetPort": "80"},
                  {"kind": "masquerade", "name": "out", "outInterfaces": ["wan0"], "sourceCidrs": ["10.77.1.0/24"]}],
                 "settings": {"ipv4Forwarding": true}}
                """);
            var imported = Natgw("config", "import", good);
            Assert.True(imported.ExitCode == 0, imported.StandardError);
            Assert.Contains("imported 2 rule(s)", imported.StandardOutput);

            var bad = Path.Combine(dir, "bad.json");
            File.WriteAllText(bad, """{"format": "natgw-state", "version": 1, "rules": [{"kind": "dnat", "name": "x", "protocol": "tcp", "destinationPort": "99999", "targetAddress": "10.77.2.2"}]}""");
            var refused = Natgw("config", "import", bad);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("rules[0].destinationPort", refused.StandardError);

            // Nothing applied yet, so the export shows the kernel's settings and the draft rules, unchanged by the bad import.
            var exported = Natgw("config", "export");
            Assert.Equal(0, exported.ExitCode);
            Assert.Contains("\"format\": \"natgw-state\"", exported.StandardOutput);
            Assert.Contains("\"name\": \"web\"", exported.StandardOutput);
            Assert.Contains("\"name\": \"out\"", exported.StandardOutput);
            Assert.Contains("\"ipv4Forwarding\": false", exported.StandardOutput); // import never touches the kernel
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }
}
