using System.CommandLine;
using System.CommandLine.Invocation;
using NatGateway.Web.Hosting;
using NatGateway.Web.Metrics;

namespace NatGateway.Web.Cli;

/// <summary><c>natgw serve [--urls URLS] [--db PATH] [--content-root DIR] [--sysctl-dir DIR] [--allowed-hosts H,H] [--https-certificate PEM --https-key PEM]</c></summary>
public static class ServeCommand
{
    public static readonly Option<string> Urls = new("--urls")
    {
        Description = "Listen URLs, separated by ';' (loopback only by default)",
        DefaultValueFactory = _ => ServeOptions.DefaultUrls,
    };

    public static readonly Option<string> Database = new("--db")
    {
        Description = "SQLite database file (created and migrated at start)",
        DefaultValueFactory = _ => NatGateway.Data.DatabaseSetup.DefaultPath(),
    };

    public static readonly Option<string?> ContentRoot = new("--content-root")
    {
        Description = "Content root holding wwwroot/ (default: the published folder, else the working directory)",
    };

    public static readonly Option<string> SysctlDirectory = new("--sysctl-dir")
    {
        Description = "Directory for the persisted sysctl.d file",
        DefaultValueFactory = _ => "/etc/sysctl.d",
    };

    public static readonly Option<string> ModprobeDirectory = new("--modprobe-dir")
    {
        Description = "Directory for the persisted modprobe.d file (the conntrack hash size at module load)",
        DefaultValueFactory = _ => "/etc/modprobe.d",
    };

    public static readonly Option<string?> Agent = new("--agent")
    {
        Description = "Agent mode: reach the kernel only through natgw agent at this Unix socket (e.g. /run/natgw/agent.sock); default: this process itself",
    };

    public static readonly Option<string?> Environment = new("--environment")
    {
        Description = "ASP.NET Core environment name (Production unless set)",
    };

    public static readonly Option<int> ConfirmWindow = new("--confirm-window")
    {
        Description = "Seconds a change made in the browser stays unconfirmed before it is reverted (5-3600)",
        DefaultValueFactory = _ => 60,
    };

    public static readonly Option<int> KeepRevisions = new("--keep-revisions")
    {
        Description = "Revisions kept: older ones beyond the newest N are deleted (never the one in force or a pending one)",
        DefaultValueFactory = _ => NatGateway.Core.Revisions.RevisionRetention.DefaultKeepCount,
    };

    public static readonly Option<int> KeepRevisionsDays = new("--keep-revisions-days")
    {
        Description = "Revisions older than D days are deleted (never the one in force or a pending one)",
        DefaultValueFactory = _ => NatGateway.Core.Revisions.RevisionRetention.DefaultKeepDays,
    };

    public static readonly Option<string?> AllowedHosts = new("--allowed-hosts")
    {
        Description = "Host names and addresses natgw answers, comma separated ('*' for any; default: the listen addresses, localhost for loopback, the machine's names)",
    };

    public static readonly Option<string?> HttpsCertificate = new("--https-certificate")
    {
        Description = "PEM certificate for the https:// URLs in --urls (with --https-key)",
    };

    public static readonly Option<string?> HttpsKey = new("--https-key")
    {
        Description = "PEM private key of --https-certificate",
    };

    public static readonly Option<int> AuditDays = new("--audit-days")
    {
        Description = "Days the audit log keeps its entries (1-36500; pruned at start and daily)",
        DefaultValueFactory = _ => 365,
    };

    public static readonly Option<string> MetricsAccess = new("--metrics-access")
    {
        Description = "Who may scrape /metrics: loopback (anonymous from loopback addresses, an API token from anywhere), token (an API token always) or off (404)",
        DefaultValueFactory = _ => NatGateway.Web.Metrics.MetricsAccessMode.Loopback.Text(),
    };

    public static Command Build()
    {
        var command = new Command("serve", "Run the web app (the default when no command is given)");
        command.Options.Add(Urls);
        command.Options.Add(Database);
        command.Options.Add(ContentRoot);
        command.Options.Add(SysctlDirectory);
        command.Options.Add(ModprobeDirectory);
        command.Options.Add(Agent);
        command.Options.Add(Environment);
        command.Options.Add(ConfirmWindow);
        command.Options.Add(AllowedHosts);
        command.Options.Add(HttpsCertificate);
        command.Options.Add(HttpsKey);
        ConfirmWindow.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 5 or > 3600) r.AddError("--confirm-window must be between 5 and 3600 seconds");
        });
        command.Options.Add(KeepRevisions);
        command.Options.Add(KeepRevisionsDays);
        KeepRevisions.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--keep-revisions must be 1 or more");
        });
        KeepRevisionsDays.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 36500) r.AddError("--keep-revisions-days must be between 1 and 36500");
        });
        command.Options.Add(AuditDays);
        command.Options.Add(MetricsAccess);
        MetricsAccess.AcceptOnlyFromAmong(Enum.GetValues<NatGateway.Web.Metrics.MetricsAccessMode>().Select(m => m.Text()).ToArray());
        AuditDays.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 36500) r.AddError("--audit-days must be between 1 and 36500");
        });
        command.Action = new ServeAction();
        return command;
    }

    private sealed class ServeAction : AsynchronousCommandLineAction
    {
        public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
        {
            var options = new ServeOptions
            {
                Urls = parseResult.GetValue(Urls) ?? ServeOptions.DefaultUrls,
                DatabasePath = Path.GetFullPath(parseResult.GetValue(Database) ?? NatGateway.Data.DatabaseSetup.DefaultPath()),
                ContentRoot = parseResult.GetValue(ContentRoot),
                SysctlDirectory = parseResult.GetValue(SysctlDirectory) ?? "/etc/sysctl.d",
                ModprobeDirectory = parseResult.GetValue(ModprobeDirectory) ?? "/etc/modprobe.d",
                AgentSocket = parseResult.GetValue(Agent),
                Environment = parseResult.GetValue(Environment),
                ConfirmWindowSeconds = parseResult.GetValue(ConfirmWindow),
                KeepRevisions = parseResult.GetValue(KeepRevisions),
                KeepRevisionsDays = parseResult.GetValue(KeepRevisionsDays),
                AllowedHosts = parseResult.GetValue(AllowedHosts),
                HttpsCertificatePath = parseResult.GetValue(HttpsCertificate),
                HttpsKeyPath = parseResult.GetValue(HttpsKey),
                AuditRetentionDays = parseResult.GetValue(AuditDays),
                MetricsAccess = NatGateway.Web.Metrics.MetricsAccess.TryParse(parseResult.GetValue(MetricsAccess), out var metricsAccess)
                    ? metricsAccess : NatGateway.Web.Metrics.MetricsAccessMode.Loopback,
            };
            WebApplication app;
            try
            {
                app = WebHost.Build(options);
            }
            catch (NatGateway.Data.DatabaseUnavailableException e)
            {
                Console.Error.WriteLine($"natgw: {e.Message}");
                return NatGateway.Data.DatabaseUnavailableException.ExitCode;
            }
            catch (HttpsSetupException e)
            {
                Console.Error.WriteLine($"natgw: {e.Message}");
                return 2;
            }
            await app.RunAsync(cancellationToken);
            return 0;
        }
    }
}
