using System.Security.Cryptography;
using System.Text;

namespace NatGateway.TestSupport;

/// <summary>What agent-mode tests need besides the namespace: an unprivileged uid and a copy of natgw it can read.</summary>
public static class AgentMode
{
    /// <summary>
    /// The web process's uid in agent mode: fixed, with no passwd entry (setpriv needs none, and the agent's
    /// <c>--web-user</c> takes a number). Checked free with <c>getent passwd 64700</c> on the CI image.
    /// </summary>
    public const int WebUid = 64700;

    private static readonly Lazy<string> Copy = new(CopyBuildOutput, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// natgw.dll in a world-readable copy of the build output: the checkout may live under /root (0700), which the
    /// unprivileged web process cannot read. Made once per build (the name carries a hash of natgw.dll's path, size and
    /// mtime) and shared by parallel test processes: each copies to its own temp folder and renames it into place.
    /// </summary>
    public static string NatgwDll => Path.Combine(Copy.Value, "natgw.dll");

    /// <summary>The folder of <see cref="NatgwDll"/> (also the content root of an agent-mode web process).</summary>
    public static string BinaryDirectory => Copy.Value;

    private static string CopyBuildOutput()
    {
        var source = new FileInfo(RepositoryPaths.NatgwDll);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{source.FullName}|{source.Length}|{source.LastWriteTimeUtc.Ticks}")))[..16].ToLowerInvariant();
        var target = Path.Combine(Path.GetTempPath(), $"natgw-bin-{key}");
        if (File.Exists(Path.Combine(target, "natgw.dll"))) return target;
        DeleteStaleCopies();

        var staging = $"{target}.tmp-{Guid.NewGuid():N}";
        CopyTree(source.DirectoryName!, staging);
        // The development manifest of static web assets points into the checkout and the root's NuGet cache, which the web
        // user cannot read: the web would stop at start (DirectoryNotFoundException). Without it, pages lack their CSS
        // and scripts, which API tests do not need (browser tests run in single-process mode).
        File.Delete(Path.Combine(staging, "natgw.staticwebassets.runtime.json"));
        try
        {
            Directory.Move(staging, target); // rename(2): atomic; the loser of a race deletes its copy
        }
        catch (IOException) when (File.Exists(Path.Combine(target, "natgw.dll")))
        {
            Directory.Delete(staging, recursive: true);
        }
        return target;
    }

    /// <summary>Copies of earlier builds (about 50 MB each) are removed once they are a day old; a test run that is still
    /// using one is at most a few minutes into it.</summary>
    private static void DeleteStaleCopies()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), "natgw-bin-*"))
            if (Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddDays(-1))
                try { Directory.Delete(dir, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static void CopyTree(string from, string to)
    {
        var readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        var traversable = readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        Directory.CreateDirectory(to, traversable);
        File.SetUnixFileMode(to, traversable);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(to, Path.GetRelativePath(from, dir));
            Directory.CreateDirectory(copy);
            File.SetUnixFileMode(copy, traversable);
        }
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(to, Path.GetRelativePath(from, file));
            File.Copy(file, copy, overwrite: true);
            File.SetUnixFileMode(copy, readable);
        }
    }

    /// <summary>Gives the data directory (database, keys, sysctl.d, run/) to <see cref="WebUid"/>: the web writes its
    /// database there; root (the agent, the test) still reads and writes everything.</summary>
    public static void ChownDataDirectory(string dataDirectory)
    {
        // The test's own pooled SQLite connections keep natgw.db-wal/-shm open (and root-owned) otherwise.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        ProcessRunner.Run("chown", "-R", $"{WebUid}:{WebUid}", dataDirectory).EnsureSuccess("chown data directory");
    }
}
