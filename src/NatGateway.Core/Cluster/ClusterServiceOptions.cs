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

    /// <summary>conntrackd's <c>DisableExternalCache</c> (see <see cref="ConntrackdConf.Render"/>).</summary>
    public bool DisableExternalCache { get; init; }

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
