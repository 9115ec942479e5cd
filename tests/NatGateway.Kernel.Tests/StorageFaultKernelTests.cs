using Microsoft.Data.Sqlite;
using NatGateway.Data;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Kernel.Tests;

/// <summary>
/// natgw started in a lab gateway namespace against a database it cannot use: it exits with code 3 and one line naming
/// the file and the cause (no stack trace), before start-up recovery or any sampler could touch the kernel.
/// </summary>
[LongRunning(476)]
public sealed class StorageFaultKernelTests
{
    public enum Fault { RandomBytes, Truncated, ReadOnlyFile, ReadOnlyDirectory, MissingRevisionsTable, AlteredTable }

    [KernelTheory]
    [InlineData(Fault.RandomBytes, "file is not a database")]
    [InlineData(Fault.Truncated, "malformed")]
    [InlineData(Fault.ReadOnlyFile, "readonly database")]
    [InlineData(Fault.ReadOnlyDirectory, "unable to open database file")]
    [InlineData(Fault.MissingRevisionsTable, "schema does not match natgw's migrations: table Revisions is missing")]
    [InlineData(Fault.AlteredTable, "schema does not match natgw's migrations: unexpected column NatRules.Extra")]
    public void Serve_and_config_export_refuse_a_broken_database_with_one_line_and_leave_the_kernel_untouched(Fault fault, string cause)
    {
        using var lab = NamespaceLab.Create();
        var dir = Directory.CreateTempSubdirectory("natgw-storage-").FullName;
        var db = Path.Combine(dir, "natgw.db");
        try
        {
            Break(lab, db, fault);
            var forwardingBefore = Sysctl(lab, "net.ipv4.ip_forward");

            foreach (var command in new[] { new[] { "serve", "--urls", $"http://{NamespaceLab.GatewayLanAddress}:5080", "--sysctl-dir", Path.Combine(dir, "sysctl.d") },
                                            new[] { "config", "export" } })
            {
                var run = lab.ExecWithTimeout(lab.Gateway, TimeSpan.FromSeconds(60), "dotnet", [RepositoryPaths.NatgwDll, .. command, "--db", db]);
                var lines = (run.StandardOutput + run.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var what = $"natgw {command[0]} with {fault}: exit {run.ExitCode}\n{string.Join('\n', lines)}";
                Assert.True(run.ExitCode == DatabaseUnavailableException.ExitCode, what);
                Assert.True(lines.Length == 1, what);
                Assert.Contains(db, lines[0]);
                Assert.Contains(cause, lines[0]);
                Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError);
            }

            // Start-up recovery never ran: no table of ours, forwarding as it was, nothing persisted.
            Assert.NotEqual(0, lab.Exec(lab.Gateway, "nft", "list", "table", "ip", "natgw").ExitCode);
            Assert.NotEqual(0, lab.Exec(lab.Gateway, "nft", "list", "table", "ip6", "natgw").ExitCode);
            Assert.Equal(forwardingBefore, Sysctl(lab, "net.ipv4.ip_forward"));
            Assert.False(Directory.Exists(Path.Combine(dir, "sysctl.d")) && Directory.EnumerateFiles(Path.Combine(dir, "sysctl.d")).Any());
        }
        finally
        {
            ProcessRunner.Run("chattr", "-R", "-i", dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Makes a database that natgw's migrations made, then breaks it one way.</summary>
    private static void Break(NamespaceLab lab, string db, Fault fault)
    {
        if (fault == Fault.RandomBytes)
        {
            File.WriteAllBytes(db, Enumerable.Range(0, 20_000).Select(i => (byte)(i * 7919 % 251)).ToArray());
            return;
        }
        lab.ExecWithTimeout(lab.Gateway, TimeSpan.FromSeconds(60), "dotnet", RepositoryPaths.NatgwDll, "config", "export", "--db", db)
            .EnsureSuccess("natgw config export on a new database");
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = fault switch
            {
                Fault.MissingRevisionsTable => "DROP TABLE Revisions",
                Fault.AlteredTable => "ALTER TABLE NatRules ADD COLUMN Extra TEXT",
                // Back to a rollback journal (checkpointing the WAL) so the read-only cases fail on the write, not on the WAL's shared memory.
                _ => "PRAGMA journal_mode=DELETE",
            };
            command.ExecuteNonQuery();
        }
        Assert.False(File.Exists(db + "-wal") && new FileInfo(db + "-wal").Length > 0, "the WAL must be checkpointed before breaking the file");
        switch (fault)
        {
            case Fault.Truncated:
                using (var file = File.OpenWrite(db)) file.SetLength(file.Length / 3);
                break;
            case Fault.ReadOnlyFile: // root ignores permission bits; the immutable flag holds even for root
                ProcessRunner.Run("chattr", "+i", db).EnsureSuccess("chattr +i file");
                break;
            case Fault.ReadOnlyDirectory:
                File.Delete(db);
                ProcessRunner.Run("chattr", "+i", Path.GetDirectoryName(db)!).EnsureSuccess("chattr +i directory");
                break;
        }
    }

    private static string Sysctl(NamespaceLab lab, string key) => lab.Exec(lab.Gateway, "sysctl", "-n", key).StandardOutput.Trim();
}
