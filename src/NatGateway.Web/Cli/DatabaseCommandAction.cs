using System.CommandLine;
using System.CommandLine.Invocation;
using NatGateway.Data;
using NatGateway.Web.Hosting;

namespace NatGateway.Web.Cli;

/// <summary>
/// Runs a console command that works on natgw's database (<c>config</c>, <c>user</c>, <c>token</c>) with the app's own
/// services and no web host or background services. The database is migrated first; one it cannot use is exit code 3
/// and one line, as for <c>natgw serve</c>. With an <c>--agent SOCKET</c> option the kernel is reached through
/// <c>natgw agent</c>, as <c>natgw serve --agent</c> does.
/// </summary>
internal sealed class DatabaseCommandAction(string command, Option<string> database,
    Func<IServiceProvider, ParseResult, CancellationToken, Task<int>> action, Option<string?>? agent = null) : AsynchronousCommandLineAction
{
    public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
    {
        var options = new ServeOptions
        {
            DatabasePath = Path.GetFullPath(parseResult.GetValue(database) ?? DatabaseSetup.DefaultPath()),
            AgentSocket = agent is null ? null : parseResult.GetValue(agent),
        };
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddEnvironmentVariables().Build());
        WebHost.AddServices(services, options);
        await using var provider = services.BuildServiceProvider();
        try
        {
            DatabaseSetup.Migrate(options.DatabasePath);
        }
        catch (DatabaseUnavailableException e)
        {
            Console.Error.WriteLine($"natgw {command}: {e.Message}");
            return DatabaseUnavailableException.ExitCode;
        }
        return await action(provider, parseResult, cancellationToken);
    }
}
