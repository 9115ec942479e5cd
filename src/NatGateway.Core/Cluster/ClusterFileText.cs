using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NatGateway.Core.Cluster;

/// <summary>
/// The checks every value passes before it is written into keepalived.conf or conntrackd.conf. Both files are
/// whitespace-separated words with <c>#</c>/<c>!</c> comments, <c>{ }</c> blocks and (keepalived) quoted strings, so a
/// name with a space, a quote, a brace or a comment mark could add configuration. ha-config's validator gives the user
/// field errors earlier; these are the writers' own guard, so no file is ever built from an unchecked value (also in
/// <c>natgw agent</c>, which trusts nothing from the web process).
/// </summary>
public static class ClusterFileText
{
    /// <summary>Node names: keepalived's router_id and the Cluster page's label. Letters, digits, '-', '_', '.'; 1..32.</summary>
    public static string? NameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 32) return "a node name is 1 to 32 characters";
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) return "a node name uses letters, digits, '-', '_' and '.' only";
        return null;
    }

    /// <summary>Paths and command words: absolute-path-safe characters only (no whitespace, quotes, braces, '#', '!', ';').</summary>
    public static string? UnsafePath(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 200) return "a path is 1 to 200 characters";
        foreach (var c in text)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '_' or '.' or '+' or '=' or ':' or '@' or ','))
                return $"'{text}' has a character a generated configuration cannot carry";
        return null;
    }

    /// <summary>Every problem that would make the generated files wrong or unsafe; empty when both can be written.</summary>
    public static IReadOnlyList<(string Field, string Message)> Problems(ClusterConfig config)
    {
        var problems = new List<(string, string)>();
        void Add(string field, string? message) { if (message is not null) problems.Add((field, message)); }
        if (config.VirtualRouterId is < 1 or > 255) Add("virtualRouterId", "a VRRP virtual router id is 1 to 255");
        var centis = config.AdvertInterval.Ticks / (TimeSpan.TicksPerMillisecond * 10);
        if (centis is < 1 or > 4095 || config.AdvertInterval.Ticks % (TimeSpan.TicksPerMillisecond * 10) != 0)
            Add("advertInterval", "a VRRPv3 advert interval is 0.01 to 40.95 s in 10 ms steps (RFC 5798 §5.2.7)");
        Add("local.name", NameProblem(config.Local.Name));
        Add("peer.name", NameProblem(config.Peer.Name));
        if (config.Local.Priority is < 1 or > 254) Add("local.priority", "a VRRP priority is 1 to 254 (255 is the address owner's)");
        Add("local.insideInterface", InterfaceProblem(config.Local.InsideInterface));
        Add("local.outsideInterface", InterfaceProblem(config.Local.OutsideInterface));
        Add("local.syncInterface", InterfaceProblem(config.Local.SyncInterface));
        if (config.Peer.SyncPort is < 1 or > 65535) Add("peer.syncPort", "a port is 1 to 65535");
        var local = config.Local.SyncAddress.Address;
        var peer = config.Peer.SyncAddress;
        if (!IsUnicast(local)) Add("local.syncAddress", "the sync address is a unicast address");
        if (!IsUnicast(peer)) Add("peer.syncAddress", "the peer's sync address is a unicast address");
        if (local.AddressFamily != peer.AddressFamily) Add("peer.syncAddress", "both sync addresses are of one family");
        else if (local.Equals(peer)) Add("peer.syncAddress", "the peer's sync address is not this node's");
        if (!config.VirtualAddresses.Any(v => v.Side == VirtualAddressSide.Inside)) Add("virtualAddresses", "an inside virtual address is required");
        if (!config.VirtualAddresses.Any(v => v.Side == VirtualAddressSide.Outside)) Add("virtualAddresses", "an outside virtual address is required");
        if (config.VirtualAddresses.Count > 64) Add("virtualAddresses", "at most 64 virtual addresses");
        for (var i = 0; i < config.VirtualAddresses.Count; i++)
        {
            var a = config.VirtualAddresses[i].Address;
            var max = a.Address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            if (!IsUnicast(a.Address)) Add($"virtualAddresses[{i}].address", "a virtual address is a unicast address");
            if (a.PrefixLength < 1 || a.PrefixLength > max) Add($"virtualAddresses[{i}].address", $"the prefix length is 1 to {max}");
        }
        return problems;
    }

    /// <summary>Throws when <see cref="Problems"/> finds any: the writers' last line, never the user's error message.</summary>
    public static void EnsureWritable(ClusterConfig config)
    {
        var problems = Problems(config);
        if (problems.Count > 0) throw new ArgumentException($"{problems[0].Field}: {problems[0].Message}", nameof(config));
    }

    public static string Seconds(TimeSpan interval) => interval.TotalSeconds.ToString("0.0#", CultureInfo.InvariantCulture);

    private static string? InterfaceProblem(string? name) =>
        name is null || name.Contains('*') ? "not an interface name" : NatGateway.Nat.InterfaceName.Problem(name) is { } p ? p : null;

    private static bool IsUnicast(IPAddress address) =>
        !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.Broadcast)
        && !IPAddress.IsLoopback(address) && !address.IsIPv6Multicast && !address.IsIPv4MappedToIPv6
        && !(address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes()[0] >= 224) && !address.IsIPv6LinkLocal
        && (address.AddressFamily != AddressFamily.InterNetworkV6 || address.ScopeId == 0);
}
