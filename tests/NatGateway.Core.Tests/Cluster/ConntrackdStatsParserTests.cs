using NatGateway.Core.Cluster;
using NatGateway.TestSupport;
using Xunit;

namespace NatGateway.Core.Tests.Cluster;

/// <summary>
/// The parser on output captured from Debian's conntrackd 1.4.7 (Cluster/Golden/conntrackd-s-*.txt): two nodes in
/// namespaces joined by a sync veth, FTFW over UDP, two entries created on the primary with conntrack -I.
/// </summary>
public sealed class ConntrackdStatsParserTests
{
    private static string Captured(string name) => File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "NatGateway.Core.Tests", "Cluster", "Golden", name));

    [Fact]
    public void Backup_has_the_primary_entries_in_its_external_cache()
    {
        var stats = ConntrackdStatsParser.Parse(Captured("conntrackd-s-backup.txt"), Captured("conntrackd-s-runtime-backup.txt"));
        // "cache internal: current active connections: 0", "cache external: ... 2", "UDP traffic: 10 Pckts sent 12 Pckts recv".
        Assert.Equal(new ConntrackdStats(EntriesInternalCache: 0, EntriesExternalCache: 2, MessagesSent: 10, MessagesReceived: 12, MessagesLost: 0, Resyncs: 0), stats);
    }

    [Fact]
    public void Primary_counts_its_own_entries_internally()
    {
        var stats = ConntrackdStatsParser.Parse(Captured("conntrackd-s-primary.txt"), null);
        Assert.NotNull(stats);
        Assert.Equal(2, stats.EntriesInternalCache);
        Assert.Equal(0, stats.EntriesExternalCache);
        Assert.True(stats.MessagesSent > 0);
    }

    [Fact]
    public void Without_an_external_cache_the_injected_section_counts_as_an_empty_external_cache()
    {
        // Captured from the product's primary with DisableExternalCache On after its notify sequence (-f, -R, -B):
        // "external inject:" replaces "cache external:", and -R is the one resync with the kernel table.
        var stats = ConntrackdStatsParser.Parse(Captured("conntrackd-s-primary-noexternal.txt"), Captured("conntrackd-s-runtime-primary-noexternal.txt"));
        Assert.Equal(new ConntrackdStats(EntriesInternalCache: 0, EntriesExternalCache: 0, MessagesSent: 111, MessagesReceived: 110, MessagesLost: 0, Resyncs: 1), stats);
    }

    [Fact]
    public void Resyncs_come_from_the_runtime_statistics()
    {
        Assert.Equal(3, ConntrackdStatsParser.ParseResyncs("netlink stats:\n\tresync with kernel table:\t           3\n"));
        Assert.Null(ConntrackdStatsParser.ParseResyncs("runtime stats:\n"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ERROR: can't connect to conntrackd\n")]
    [InlineData("cache internal:\ncurrent active connections:\t1\n")]
    public void Incomplete_output_is_no_statistics(string text) => Assert.Null(ConntrackdStatsParser.Parse(text, null));
}
