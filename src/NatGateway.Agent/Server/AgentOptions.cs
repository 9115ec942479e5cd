using NatGateway.Agent.Protocol;

namespace NatGateway.Agent.Server;

/// <summary>What <c>natgw agent</c> was asked to do.</summary>
public sealed record AgentOptions
{
    public string SocketPath { get; init; } = AgentProtocol.DefaultSocketPath;

    /// <summary>The web process's user: a name (then the socket is root:its group 0660) or a uid (socket 0666; SO_PEERCRED
    /// still admits only root and this uid). Null: root only (socket 0600).</summary>
    public string? WebUser { get; init; }

    public string SysctlDirectory { get; init; } = "/etc/sysctl.d";
    public string ModprobeDirectory { get; init; } = "/etc/modprobe.d";
    public string ProcSysRoot { get; init; } = "/proc/sys";

    /// <summary>Connections served at once; more are refused (a flood cannot exhaust the agent's threads).</summary>
    public int MaxConnections { get; init; } = 64;
}
