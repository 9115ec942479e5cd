namespace NatGateway.Core.Cluster;

/// <summary>How <see cref="NatGateway.Core.Kernel.LocalClusterServices"/> runs this node's daemons.</summary>
public sealed record ClusterServiceOptions
{
    public ClusterRunFiles Files { get; init; } = new(ClusterRunFiles.DefaultDirectory);

    /// <summary>The argv that runs <c>natgw</c> (keepalived's notify scripts call it with <c>ha notify STATE</c>).</summary>
    public IReadOnlyList<string> NatgwCommand { get; init; } = CurrentNatgw();

    /// <summary>Appended after <c>ha notify STATE</c>: how that CLI reaches these services (<c>--agent PATH</c> in agent
    /// mode; <c>--run-dir DIR</c> when the CLI runs the sequence itself).</summary>
    public IReadOnlyList<string>? NotifyArguments { get; init; }

    public string Keepalived { get; init; } = "/usr/sbin/keepalived";
    public string Conntrackd { get; init; } = "/usr/sbin/conntrackd";

    /// <summary>conntrackd's <c>DisableExternalCache</c> (see <see cref="ConntrackdConf.Render"/>), on by default: the
    /// peer's entries go straight into this node's kernel table, so a packet that reaches a new primary before its notify
    /// hook ran already finds its entry. Measured in the HA lab (1,000 flows, 0.1 s adverts): with it off, once 78 of
    /// 1,000 flows were reset at a SIGKILL failover and once 3 stalled at a failback (the race of HA-NOTES: keepalived
    /// adds the VIPs in parallel with the notify's commit); with it on, none lost in 5 runs.</summary>
    public bool DisableExternalCache { get; init; } = true;

    /// <summary>The first wait before a daemon that exited is started again (doubling to 5 s, or to this when longer).
    /// The HA lab sets a long one so that a daemon it killed stays down until it applies again (a trigger that stays
    /// pulled); <see cref="NatGateway.Core.Kernel.LocalClusterServices.Apply"/> starts a stopped daemon at once.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The argv of the running natgw: the apphost, or <c>dotnet natgw.dll</c>.</summary>
    public static IReadOnlyList<string> CurrentNatgw()
    {
        var process = Environment.ProcessPath ?? "/usr/bin/natgw";
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
            return entry is { Length: > 0 } ? [process, entry] : [process];
        }
        return [process];
    }
}
