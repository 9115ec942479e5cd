using System.CommandLine;

namespace NatGateway.Web.Cli;

/// <summary>
/// The <c>natgw</c> command line. <c>serve</c> runs the web app and is also what a bare <c>natgw</c> does;
/// later subcommands (<c>conntrack</c>, <c>plan</c>, <c>config</c>) hang off the same root.
/// </summary>
public static class NatgwCli
{
    public static RootCommand Build()
    {
        var serve = ServeCommand.Build();
        var root = new RootCommand("NatGateway: NAT gateway and conntrack management (run as root or with CAP_NET_ADMIN)");
        // Options of serve are also accepted without the subcommand: `natgw --urls ...` == `natgw serve --urls ...`.
        foreach (var option in serve.Options) root.Options.Add(option);
        root.Action = serve.Action;
        root.Subcommands.Add(serve);
        // feature commands
        root.Subcommands.Add(ConntrackCommand.Build());
        root.Subcommands.Add(PlanCommand.Build());
        root.Subcommands.Add(ConfigCommand.Build());
        root.Subcommands.Add(UserCommand.Build());
        root.Subcommands.Add(TokenCommand.Build());
        root.Subcommands.Add(AgentCommand.Build());
        root.Subcommands.Add(DoctorCommand.Build());
        root.Subcommands.Add(TraceCommand.Build());
        var ha = HaCommand.Build();
        ha.Subcommands.Add(HaSecretCommand.Build());
        root.Subcommands.Add(ha);
        return root;
    }
}
