namespace NatGateway.Capacity.Kernel;

/// <summary>
/// Reads kernel pseudo-files (/proc, /proc/sys). An interface so the facts reader can be unit-tested with sample text.
/// Files under /proc/sys/net follow the network namespace of the calling thread.
/// </summary>
public interface IKernelFileReader
{
    /// <summary>The whole file as text, or null when it does not exist or cannot be read (e.g. a sysctl removed in this kernel).</summary>
    string? ReadAllText(string path);
}

/// <summary>Reads the real /proc of the running kernel.</summary>
public sealed class ProcFileReader : IKernelFileReader
{
    public static ProcFileReader Instance { get; } = new();

    public string? ReadAllText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
