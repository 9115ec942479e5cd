using System.Globalization;

namespace NatGateway.Core.Cluster;

/// <summary>
/// Reads conntrackd 1.4.7's statistics text into <see cref="ConntrackdStats"/>. The format is the daemon's own
/// (src/cache.c cache_stats, src/sync-mode.c, src/channel_udp.c, src/run.c dump_stats_runtime in conntrack-tools
/// 1.4.7): labels followed by tab-padded numbers. Golden-tested on output captured from the Debian daemon.
/// </summary>
public static class ConntrackdStatsParser
{
    /// <summary>Parses <c>conntrackd -C CONF -s</c> plus <c>-s runtime</c> (for the resync count); null when the
    /// general output lacks the caches or the UDP counters (a daemon that did not answer fully).</summary>
    public static ConntrackdStats? Parse(string general, string? runtime)
    {
        long? internalCache = null, externalCache = null, sent = null, received = null, lost = null;
        string? section = null;
        var lines = general.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.StartsWith("cache internal:", StringComparison.Ordinal)) { section = "internal"; continue; }
            if (line.StartsWith("cache external:", StringComparison.Ordinal)) { section = "external"; continue; }
            // DisableExternalCache On: no external cache, the peer's entries are injected into the kernel table
            // (conntrack-tools src/external_inject.c external_inject_ct_stats prints "external inject:" instead).
            if (line.StartsWith("external inject:", StringComparison.Ordinal)) { externalCache = 0; section = null; continue; }
            if (line.StartsWith("UDP traffic", StringComparison.Ordinal) || line.StartsWith("TCP traffic", StringComparison.Ordinal)
                || line.StartsWith("Multicast traffic", StringComparison.Ordinal)) { section = "channel"; continue; }
            if (line.StartsWith("message tracking:", StringComparison.Ordinal)) { section = "tracking"; continue; }
            if (line.Length == 0) { section = null; continue; }
            switch (section)
            {
                case "internal" when line.StartsWith("current active connections:", StringComparison.Ordinal):
                    internalCache = FirstNumber(line); break;
                case "external" when line.StartsWith("current active connections:", StringComparison.Ordinal):
                    externalCache = FirstNumber(line); break;
                // "          80 Bytes sent     232 Bytes recv" then "5 Pckts sent  7 Pckts recv": messages are packets.
                case "channel" when line.Contains("Pckts sent", StringComparison.Ordinal):
                {
                    var numbers = Numbers(line);
                    if (numbers.Count >= 2) { sent = numbers[0]; received = numbers[1]; }
                    break;
                }
                case "tracking" when line.Contains("Lost msgs", StringComparison.Ordinal):
                {
                    var numbers = Numbers(line);
                    if (numbers.Count >= 2) lost = numbers[1];
                    break;
                }
            }
        }
        if (internalCache is null || externalCache is null || sent is null || received is null) return null;
        return new ConntrackdStats(internalCache.Value, externalCache.Value, sent.Value, received.Value, lost ?? 0, ParseResyncs(runtime) ?? 0);
    }

    /// <summary>"resync with kernel table:" of <c>-s runtime</c> (netlink stats): how often the daemon re-read the
    /// kernel table (<c>-R</c>, the notify's resync, or after a netlink overrun).</summary>
    public static long? ParseResyncs(string? runtime)
    {
        if (runtime is null) return null;
        foreach (var raw in runtime.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("resync with kernel table:", StringComparison.Ordinal)) return FirstNumber(line);
        }
        return null;
    }

    private static long? FirstNumber(string line)
    {
        var numbers = Numbers(line);
        return numbers.Count > 0 ? numbers[0] : null;
    }

    private static List<long> Numbers(string line)
    {
        var result = new List<long>();
        foreach (var word in line.Split([' ', '\t', ':', '/'], StringSplitOptions.RemoveEmptyEntries))
            if (long.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) result.Add(n);
        return result;
    }
}
