namespace NatGateway.Core.Kernel.Diagnostics;

/// <summary>
/// Receive Packet Steering masks: /sys/class/net/IF/queues/rx-N/rps_cpus (net/core/net-sysfs.c show_rps_map), a
/// comma-separated hex CPU bitmap, all zero when RPS is off. Sorted by interface, then queue number. An interface
/// without queues (or a kernel without CONFIG_RPS, where the file is absent) contributes nothing. sysfs shows the
/// network namespace it was mounted in, so <c>ip netns exec</c> (which remounts /sys) sees the namespace's interfaces.
/// </summary>
public static class RpsMasks
{
    public static IReadOnlyList<RpsQueue> Read(string sysClassNet)
    {
        if (!Directory.Exists(sysClassNet)) throw new InvalidOperationException($"cannot read {sysClassNet}: missing");
        var result = new List<RpsQueue>();
        foreach (var device in Directory.EnumerateFileSystemEntries(sysClassNet).Order(StringComparer.Ordinal))
        {
            var queues = Path.Combine(device, "queues");
            if (!Directory.Exists(queues)) continue;
            var name = Path.GetFileName(device);
            foreach (var queue in Directory.EnumerateDirectories(queues, "rx-*").OrderBy(QueueNumber))
            {
                var file = Path.Combine(queue, "rps_cpus");
                string mask;
                try
                {
                    mask = File.ReadAllText(file).Trim();
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                {
                    continue; // no CONFIG_RPS, or the queue went away while we listed
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new InvalidOperationException($"cannot read {file}: {e.Message}", e);
                }
                result.Add(new RpsQueue(name, Path.GetFileName(queue), mask));
            }
        }
        return result;
    }

    private static int QueueNumber(string path) =>
        int.TryParse(Path.GetFileName(path).AsSpan(3), out var n) ? n : int.MaxValue;
}
