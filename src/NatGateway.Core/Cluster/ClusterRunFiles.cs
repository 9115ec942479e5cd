namespace NatGateway.Core.Cluster;

/// <summary>
/// Where one node's cluster services keep their files: both generated configurations, keepalived's three pid files,
/// conntrackd's lock file and control socket, and the VRRP state recorded by the notify hook. Every path is unique to
/// the run directory because two nodes of a lab share one filesystem (HA-NOTES: "unique pid files per instance", "each
/// conntrackd needs a unique LockFile and a unique UNIX Path").
/// </summary>
public sealed record ClusterRunFiles
{
    /// <summary>The production default: under the agent's runtime directory (systemd RuntimeDirectory=natgw).</summary>
    public const string DefaultDirectory = "/run/natgw/cluster";

    public ClusterRunFiles(string directory)
    {
        if (!Path.IsPathFullyQualified(directory)) throw new ArgumentException("the cluster run directory must be an absolute path", nameof(directory));
        if (ClusterFileText.UnsafePath(directory) is { } problem) throw new ArgumentException(problem, nameof(directory));
        Directory = Path.TrimEndingDirectorySeparator(directory);
    }

    public string Directory { get; }
    public string KeepalivedConf => Path.Combine(Directory, "keepalived.conf");
    public string KeepalivedPid => Path.Combine(Directory, "keepalived.pid");
    public string VrrpPid => Path.Combine(Directory, "keepalived-vrrp.pid");
    public string CheckersPid => Path.Combine(Directory, "keepalived-checkers.pid");
    public string ConntrackdConf => Path.Combine(Directory, "conntrackd.conf");
    public string ConntrackdLock => Path.Combine(Directory, "conntrackd.lock");
    public string ConntrackdSocket => Path.Combine(Directory, "conntrackd.ctl");
    /// <summary>The last VRRP state and transition (JSON), written by whichever process ran the notify.</summary>
    public string StateFile => Path.Combine(Directory, "vrrp-state.json");
}
