using System.CommandLine;
using System.CommandLine.Invocation;
using NatGateway.Agent.Protocol;
using NatGateway.Agent.Server;
using NatGateway.Core.Kernel;

namespace NatGateway.Web.Cli;

/// <summary><c>natgw agent [--socket /run/natgw/agent.sock] [--web-user natgw|UID] [--sysctl-dir DIR] [--modprobe-dir DIR]</c>:
/// the privileged half of agent mode (see <see cref="AgentServer"/>). Runs until SIGTERM/SIGINT.</summary>
public static class AgentCommand
{
    public static readonly Option<string> Socket = new("--socket")
    {
        Description = "Unix socket to listen on (its directory is created)",
        DefaultValueFactory = _ => AgentProtocol.DefaultSocketPath,
    };

    public static readonly Option<string?> WebUser = new("--web-user")
    {
        Description = "The web process's user (name or uid) allowed besides root; default: root only",
    };

    public static readonly Option<string> SysctlDirectory = new("--sysctl-dir")
    {
        Description = "Directory for the persisted sysctl.d files",
        DefaultValueFactory = _ => "/etc/sysctl.d",
    };

    public static readonly Option<string> ModprobeDirectory = new("--modprobe-dir")
    {
        Description = "Directory for the persisted modprobe.d file",
        DefaultValueFactory = _ => "/etc/modprobe.d",
    };

    public static Command Build()
    {
        var command = new Command("agent", "Run the privileged kernel agent that natgw serve --agent talks to (root or the agent unit's capabilities)");
        command.Options.Add(Socket);
        command.Options.Add(WebUser);
        command.Options.Add(SysctlDirectory);
        command.Options.Add(ModprobeDirectory);
        command.Action = new AgentAction();
        return command;
    }

    private sealed class AgentAction : AsynchronousCommandLineAction
    {
        public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
        {
            var options = new AgentOptions
            {
                SocketPath = parseResult.GetValue(Socket) ?? AgentProtocol.DefaultSocketPath,
                WebUser = parseResult.GetValue(WebUser),
                SysctlDirectory = parseResult.GetValue(SysctlDirectory) ?? "/etc/sysctl.d",
                ModprobeDirectory = parseResult.GetValue(ModprobeDirectory) ?? "/etc/modprobe.d",
            };
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
            var logger = loggers.CreateLogger("natgw.agent");
            var kernel = new LocalGatewayKernel(new ProcSysctl(options.ProcSysRoot),
                new PersistencePaths(options.SysctlDirectory, options.ModprobeDirectory),
                cluster: new NatGateway.Core.Cluster.ClusterServiceOptions
                {
                    // Beside the socket (/run/natgw/cluster under the unit's RuntimeDirectory); keepalived's notify
                    // scripts reach this agent through the same socket.
                    Files = new(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.SocketPath)) ?? "/run/natgw", "cluster")),
                    NotifyArguments = ["--agent", Path.GetFullPath(options.SocketPath)],
                });
            // A live trace cut short by a crash leaves its arm table (meta nftrace set 1) behind: remove it before serving.
            LocalPacketTracing.RemoveLeftover();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var server = new AgentServer(options, kernel, logger);
            try
            {
                server.Listen();
            }
            catch (Exception e) when (e is ArgumentException or IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"natgw agent: {e.Message}");
                return 2;
            }
            try
            {
                await server.RunAsync(stop.Token);
            }
            finally
            {
                // keepalived and conntrackd are the agent's children: they never outlive it (the peer takes over).
                (kernel.Cluster as IDisposable)?.Dispose();
            }
            return 0;
        }
    }
}
