namespace NatGateway.Core.Cluster.Sync;

/// <summary>
/// The sync settings from what is stored: the cluster configuration in force (<see cref="ClusterMode"/>, which the apply
/// pipeline keeps current with every cluster revision, its rollback and its revert) and the shared secret of
/// <see cref="ClusterSecretStore"/> (read once by <see cref="LoadAsync"/>, then followed through its Changed event). Null
/// while cluster mode is off or no secret is set. One place configures the pair: <c>PUT /api/v1/cluster</c> (or the
/// Cluster page) and <c>PUT /api/v1/cluster/secret</c> (or <c>natgw ha secret</c>).
/// </summary>
public sealed class StoredClusterSyncSettings : IClusterSyncSettingsProvider
{
    private readonly ClusterMode _mode;
    private readonly ClusterSecretStore _secrets;
    private volatile byte[]? _secret;
    private (ClusterConfig Config, byte[] Secret, ClusterSyncSettings Settings)? _last;

    public StoredClusterSyncSettings(ClusterMode mode, ClusterSecretStore secrets)
    {
        _mode = mode;
        _secrets = secrets;
        secrets.Changed += s =>
        {
            _secret = s;
            Changed?.Invoke();
        };
        mode.Changed += () => Changed?.Invoke();
    }

    public event Action? Changed;

    public async Task LoadAsync(CancellationToken ct = default)
    {
        if (_secret is not null) return;
        _secret ??= await _secrets.ReadAsync(ct);
        if (_secret is not null) Changed?.Invoke();
    }

    public ClusterSyncSettings? Current
    {
        get
        {
            if (_mode.InForce is not { Enabled: true } config || _secret is not { } secret) return null;
            // One instance per (config, secret): consumers that cache per settings (the signature) see a change as a new object.
            var last = _last;
            if (last is { } l && ReferenceEquals(l.Config, config) && ReferenceEquals(l.Secret, secret)) return l.Settings;
            var settings = ClusterSyncSettings.From(config, secret);
            _last = (config, secret, settings);
            return settings;
        }
    }
}
