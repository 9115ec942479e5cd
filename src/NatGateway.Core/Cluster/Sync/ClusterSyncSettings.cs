using System.Net;

namespace NatGateway.Core.Cluster.Sync;

/// <summary>
/// What configuration sync needs of the cluster: this node's name and configured role, where its sync listener binds
/// (only the sync address: the peer endpoints are never served on the management listener), where the peer listens, and
/// the shared secret that signs every request. The secret is at least <see cref="MinimumSecretBytes"/> long.
/// </summary>
public sealed record ClusterSyncSettings
{
    /// <summary>HMAC-SHA256 keys shorter than its block are legal but guessable; ha-config refuses them too.</summary>
    public const int MinimumSecretBytes = 32;

    public required string NodeName { get; init; }
    /// <summary>The configured role: used while keepalived has reported no VRRP state (not running, or before its first notify).</summary>
    public required ClusterNodeRole Role { get; init; }
    /// <summary>This node's sync listener (its address on the sync link; port 0 = any free port, tests only).</summary>
    public required IPEndPoint Listen { get; init; }
    /// <summary>The peer's sync listener.</summary>
    public required IPEndPoint Peer { get; init; }
    public required byte[] Secret { get; init; }

    /// <summary>Problems that make these settings unusable, in words (empty: usable).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Secret.Length < MinimumSecretBytes) problems.Add($"the shared secret must be at least {MinimumSecretBytes} bytes (it is {Secret.Length})");
        if (Listen.Address.Equals(IPAddress.Any) || Listen.Address.Equals(IPAddress.IPv6Any))
            problems.Add("the sync listener must bind the sync address itself, not a wildcard");
        if (Listen.Equals(Peer)) problems.Add("the peer's sync endpoint is this node's own");
        if (string.IsNullOrWhiteSpace(NodeName)) problems.Add("the node name is empty");
        return problems;
    }

    /// <summary>
    /// The sync settings of a stored <see cref="ClusterConfig"/> (ha-config's model) and the secret from its own store. Both
    /// nodes listen on the same port (<see cref="ClusterPeer.SyncPort"/>): the model keeps one port for the pair.
    /// </summary>
    public static ClusterSyncSettings From(ClusterConfig config, byte[] secret) => new()
    {
        NodeName = config.Local.Name,
        Role = config.Local.Role,
        Listen = new IPEndPoint(config.Local.SyncAddress.Address, config.Peer.SyncPort),
        Peer = new IPEndPoint(config.Peer.SyncAddress, config.Peer.SyncPort),
        Secret = secret,
    };
}
