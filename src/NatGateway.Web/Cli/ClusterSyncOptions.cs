using System.CommandLine;
using System.Net;
using NatGateway.Core.Cluster;
using NatGateway.Core.Cluster.Sync;

namespace NatGateway.Web.Cli;

/// <summary>
/// <c>natgw serve</c>'s HA configuration-sync options (all five or none). Until the cluster model and its secret store
/// feed <see cref="IClusterSyncSettingsProvider"/>, these say who the peer is and how to reach it.
/// </summary>
internal static class ClusterSyncOptions
{
    public static readonly Option<string?> Node = new("--cluster-node") { Description = "HA pair: this node's name (shown to the peer)" };
    public static readonly Option<string?> Role = new("--cluster-role")
    {
        Description = "HA pair: primary or backup, used while keepalived has reported no VRRP state",
    };
    public static readonly Option<string?> Listen = new("--cluster-listen")
    {
        Description = "HA pair: ADDR:PORT of this node's sync address; the peer endpoints listen there only",
    };
    public static readonly Option<string?> Peer = new("--cluster-peer") { Description = "HA pair: ADDR:PORT of the peer's sync listener" };
    public static readonly Option<string?> SecretFile = new("--cluster-secret-file")
    {
        Description = "HA pair: file holding the shared secret (at least 32 bytes; readable by its owner only)",
    };

    public static void AddTo(Command command)
    {
        command.Options.Add(Node);
        command.Options.Add(Role);
        command.Options.Add(Listen);
        command.Options.Add(Peer);
        command.Options.Add(SecretFile);
        Role.AcceptOnlyFromAmong("primary", "backup");
    }

    /// <summary>The settings, none when no option is given, or the error in words (exit code 2).</summary>
    public static (ClusterSyncSettings? Settings, string? Error) Read(ParseResult parse)
    {
        string?[] given = [parse.GetValue(Node), parse.GetValue(Role), parse.GetValue(Listen), parse.GetValue(Peer), parse.GetValue(SecretFile)];
        if (given.All(v => v is null)) return (null, null);
        if (given.Any(v => string.IsNullOrWhiteSpace(v)))
            return (null, "--cluster-node, --cluster-role, --cluster-listen, --cluster-peer and --cluster-secret-file go together: give all five");
        if (!IPEndPoint.TryParse(given[2]!, out var listen) || listen.Port == 0) return (null, $"--cluster-listen: '{given[2]}' is not ADDR:PORT");
        if (!IPEndPoint.TryParse(given[3]!, out var peer) || peer.Port == 0) return (null, $"--cluster-peer: '{given[3]}' is not ADDR:PORT");
        byte[] secret;
        try
        {
            var path = given[4]!;
            // The secret signs every change the peer accepts: a copy readable by others would let them rewrite the backup.
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
                return (null, $"--cluster-secret-file: {path} is readable by group or others; chmod 600 it");
            secret = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"--cluster-secret-file: {e.Message}");
        }
        // A trailing newline (echo, an editor) is not part of the secret.
        var trimmed = secret.AsSpan().TrimEnd("\r\n"u8).ToArray();
        var settings = new ClusterSyncSettings
        {
            NodeName = given[0]!,
            Role = given[1] == "primary" ? ClusterNodeRole.Primary : ClusterNodeRole.Backup,
            Listen = listen,
            Peer = peer,
            Secret = trimmed,
        };
        return settings.Problems() is { Count: > 0 } problems ? (null, "cluster sync: " + string.Join("; ", problems)) : (settings, null);
    }
}
