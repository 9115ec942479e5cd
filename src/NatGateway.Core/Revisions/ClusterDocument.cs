using NatGateway.Core.Cluster;

namespace NatGateway.Core.Revisions;

/// <summary>
/// The cluster part of a revision's state (<see cref="ClusterJson"/>'s shape, in the revision's <c>ClusterDocument</c>
/// column); null = never configured. The peers' shared secret is never in it: it lives in <see cref="ClusterSecretStore"/>.
/// </summary>
internal static class ClusterDocument
{
    public static string? Serialize(ClusterConfig? config) => config is null ? null : ClusterJson.Serialize(config);

    public static ClusterConfig? Parse(string? json) => ClusterJson.ParseStored(json);

    /// <summary>Lines like "local.priority: 150 → 100" (the revision's diff prefixes them with "cluster ").</summary>
    public static List<string> Diff(ClusterConfig? a, ClusterConfig? b)
    {
        var lines = new List<string>();
        void Line(string key, object? x, object? y)
        {
            var (sx, sy) = (Text(x), Text(y));
            if (sx != sy) lines.Add($"{key}: {sx} → {sy}");
        }
        Line("enabled", a?.Enabled, b?.Enabled);
        Line("virtualRouterId", a?.VirtualRouterId, b?.VirtualRouterId);
        Line("advertIntervalSeconds", a is null ? null : ClusterJson.Centiseconds(a.AdvertInterval) / 100m,
            b is null ? null : ClusterJson.Centiseconds(b.AdvertInterval) / 100m);
        Line("virtualAddresses", Vips(a), Vips(b));
        Line("local.name", a?.Local.Name, b?.Local.Name);
        Line("local.role", a is null ? null : ClusterJson.Name(a.Local.Role), b is null ? null : ClusterJson.Name(b.Local.Role));
        Line("local.priority", a?.Local.Priority, b?.Local.Priority);
        Line("local.insideInterface", a?.Local.InsideInterface, b?.Local.InsideInterface);
        Line("local.outsideInterface", a?.Local.OutsideInterface, b?.Local.OutsideInterface);
        Line("local.syncInterface", a?.Local.SyncInterface, b?.Local.SyncInterface);
        Line("local.syncAddress", a?.Local.SyncAddress, b?.Local.SyncAddress);
        Line("local.standDown", a?.Local.StandDown, b?.Local.StandDown);
        Line("peer.name", a?.Peer.Name, b?.Peer.Name);
        Line("peer.syncAddress", a?.Peer.SyncAddress, b?.Peer.SyncAddress);
        Line("peer.syncPort", a?.Peer.SyncPort, b?.Peer.SyncPort);
        return lines;
    }

    private static string? Vips(ClusterConfig? c) =>
        c is null ? null : string.Join(", ", c.VirtualAddresses.Select(v => $"{ClusterJson.Name(v.Side)} {v.Address}"));

    private static string Text(object? value) => value switch
    {
        null => "∅",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "∅",
    };
}
