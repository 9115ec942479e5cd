using System.Net;
using NatGateway.Core.Cluster;
using NatGateway.Core.Cluster.Sync;
using NatGateway.Core.Tests.Fakes;
using Xunit;

namespace NatGateway.Core.Tests.Cluster;

public sealed class StoredClusterSyncSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("natgw-syncset-").FullName;

    [Fact]
    public async Task Settings_follow_the_configuration_in_force_and_the_stored_secret()
    {
        var db = new TestDbFactory(Path.Combine(_dir, "t.db"));
        var secrets = new ClusterSecretStore(db, new ManualClock(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero)));
        var mode = new ClusterMode();
        var provider = new StoredClusterSyncSettings(mode, secrets);
        await provider.LoadAsync();
        Assert.Null(provider.Current); // nothing stored

        var config = ClusterSamples.Config();
        mode.Set(config);
        Assert.Null(provider.Current); // no secret yet

        var secret = ClusterSecretStore.Generate();
        await secrets.SetAsync(secret, "admin");
        var settings = provider.Current!;
        Assert.Equal(new IPEndPoint(config.Local.SyncAddress.Address, config.Peer.SyncPort), settings.Listen);
        Assert.Equal(new IPEndPoint(config.Peer.SyncAddress, config.Peer.SyncPort), settings.Peer);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(secret), settings.Secret);
        Assert.Same(settings, provider.Current);

        // A new revision in force (another port) and a new secret: the next read follows both.
        mode.Set(config with { Peer = config.Peer with { SyncPort = config.Peer.SyncPort + 1 } });
        Assert.Equal(config.Peer.SyncPort + 1, provider.Current!.Listen.Port);
        var other = ClusterSecretStore.Generate();
        await secrets.SetAsync(other, "admin");
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(other), provider.Current!.Secret);

        // A fresh provider (natgw restarted) reads the stored secret.
        var restarted = new StoredClusterSyncSettings(mode, secrets);
        await restarted.LoadAsync();
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(other), restarted.Current!.Secret);

        mode.Set(config with { Enabled = false });
        Assert.Null(provider.Current);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
