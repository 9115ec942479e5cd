namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>Reads a /proc or /sys text file for a diagnostics reader. A missing or unreadable file is an
/// <see cref="InvalidOperationException"/> naming the path (the agent answers it as "unsupported"); an IOException would
/// be taken for a broken agent connection.</summary>
internal static class ProcText
{
    public static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot read {path}: {e.Message}", e);
        }
    }
}
