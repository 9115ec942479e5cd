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
        // "|wwwroot": copies made before the static web assets were laid out in them are not reused.
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{source.FullName}|{source.Length}|{source.LastWriteTimeUtc.Ticks}|wwwroot")))[..16].ToLowerInvariant();
        var target = Path.Combine(Path.GetTempPath(), $"natgw-bin-{key}");
        if (File.Exists(Path.Combine(target, "natgw.dll"))) return target;
        DeleteStaleCopies();

        var staging = $"{target}.tmp-{Guid.NewGuid():N}";
        CopyTree(source.DirectoryName!, staging);
        // The development manifest of static web assets points into the checkout and the root's NuGet cache, which the web
        // user cannot read: the web would stop at start (DirectoryNotFoundException). The assets it lists are copied into
        // the copy's wwwroot/ instead (the layout `dotnet publish` makes, which MapStaticAssets serves with the endpoints
        // manifest), so pages have their CSS and Blazor's script (a browser test of an agent-mode web needs its circuit).
        var manifest = Path.Combine(staging, "natgw.staticwebassets.runtime.json");
        LayOutStaticWebAssets(manifest, Path.Combine(staging, "wwwroot"), readable: UnixFileMode.UserRead | UnixFileMode.UserWrite
            | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Delete(manifest);
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

    /// <summary>
    /// Copies every asset of a static web assets runtime manifest (<c>{"ContentRoots": [...], "Root": {"Children": {name:
    /// {"Children", "Asset": {"ContentRootIndex", "SubPath"}}}}}</c>, the format of Microsoft.AspNetCore.StaticWebAssets'
    /// StaticWebAssetsManifest) to its request path under <paramref name="webRoot"/>. natgw's manifest lists its assets
    /// one by one (no patterns); a pattern node would be a build change this copy must learn, so it fails loudly.
    /// </summary>
    private static void LayOutStaticWebAssets(string manifestPath, string webRoot, UnixFileMode readable)
    {
        if (!File.Exists(manifestPath)) return;
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifestPath));
        var roots = doc.RootElement.GetProperty("ContentRoots").EnumerateArray().Select(r => r.GetString()!).ToList();
        var traversable = readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        void Walk(System.Text.Json.JsonElement node, string path)
        {
            if (node.TryGetProperty("Patterns", out var patterns) && patterns.ValueKind == System.Text.Json.JsonValueKind.Array && patterns.GetArrayLength() > 0)
                throw new InvalidDataException($"static web assets manifest has patterns at '{path}'; AgentMode lays out explicit assets only");
            if (node.TryGetProperty("Asset", out var asset) && asset.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                var from = Path.Combine(roots[asset.GetProperty("ContentRootIndex").GetInt32()], asset.GetProperty("SubPath").GetString()!);
                var to = Path.Combine(webRoot, path);
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(from, to, overwrite: true);
                File.SetUnixFileMode(to, readable);
            }
            if (node.TryGetProperty("Children", out var children) && children.ValueKind == System.Text.Json.JsonValueKind.Object)
                foreach (var child in children.EnumerateObject()) Walk(child.Value, path.Length == 0 ? child.Name : $"{path}/{child.Name}");
        }
        Directory.CreateDirectory(webRoot);
        Walk(doc.RootElement.GetProperty("Root"), "");
        foreach (var dir in Directory.EnumerateDirectories(webRoot, "*", SearchOption.AllDirectories).Append(webRoot))
            File.SetUnixFileMode(dir, traversable);
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
