namespace NatGateway.Core.Kernel;

/// <summary>
/// <see cref="ISysctl"/> over a /proc/sys directory. The root is configurable so unit tests can point it
/// at a temporary tree; in production it is /proc/sys of the app's own network namespace.
/// </summary>
public sealed class ProcSysctl(string root = "/proc/sys") : ISysctl
{
    public string Root { get; } = root;

    private string PathOf(SysctlKey key) => System.IO.Path.Combine(Root, key.RelativePath);

    public string Read(SysctlKey key) =>
        TryRead(key) ?? throw new SysctlException(key, SysctlFailure.Missing, $"{key.Name} does not exist in this kernel or network namespace");

    public string? TryRead(SysctlKey key)
    {
        try
        {
            return File.ReadAllText(PathOf(key)).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SysctlException(key, SysctlFailure.ReadOnly, $"{key.Name} cannot be read: permission denied", e);
        }
    }

    public void Write(SysctlKey key, string value)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
            throw new SysctlException(key, SysctlFailure.Missing, $"{key.Name} does not exist in this kernel or network namespace");
        try
        {
            // /proc/sys files take the whole value in one write(2); no truncation or temp files.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
            var bytes = System.Text.Encoding.ASCII.GetBytes(value + "\n");
            stream.Write(bytes);
            stream.Flush();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SysctlException(key, SysctlFailure.ReadOnly,
                $"{key.Name} is read-only here (global settings can only be changed in the initial network namespace, and writes need CAP_NET_ADMIN/root)", e);
        }
        catch (IOException e) when (e.HResult == 22 || e.Message.Contains("Invalid argument", StringComparison.OrdinalIgnoreCase))
        {
            throw new SysctlException(key, SysctlFailure.Rejected, $"the kernel rejected '{value}' for {key.Name}", e);
        }
        catch (IOException e) when (e.HResult is 1 or 13 or 30 || e.Message.Contains("ermission", StringComparison.Ordinal) || e.Message.Contains("Read-only", StringComparison.Ordinal))
        {
            throw new SysctlException(key, SysctlFailure.ReadOnly, $"{key.Name} is read-only here: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new SysctlException(key, SysctlFailure.Other, $"writing {key.Name} failed: {e.Message}", e);
        }
    }

    public bool IsWritable(SysctlKey key)
    {
        var path = PathOf(key);
        if (!File.Exists(path) || OperatingSystem.IsWindows()) return false;
        try
        {
            var mode = File.GetUnixFileMode(path);
            return (mode & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;
        }
        catch (IOException) { return false; }
    }
}
