using System.CommandLine;
using NatGateway.Core.Cluster;
using NatGateway.Data;

namespace NatGateway.Web.Cli;

/// <summary>
/// <c>natgw ha secret generate|set</c>: the HA peers' shared secret, straight on the database (root-only like the
/// database). <c>generate</c> stores 32 random bytes and prints them once on standard output (to be set on the peer);
/// <c>set</c> reads the secret from the first line of standard input — never from the command line, where other users
/// could read it in /proc. Exit code 2 on a secret that is too short.
/// </summary>
public static class HaSecretCommand
{
    private static readonly Option<string> Database = new("--db")
    {
        Description = "SQLite database file of the natgw instance",
        DefaultValueFactory = _ => DatabaseSetup.DefaultPath(),
    };

    public static Command Build()
    {
        var secret = new Command("secret", "Set the HA peers' shared secret (the configuration sync's HMAC key; never shown by the API)");

        var generate = new Command("generate", "Store a new random secret and print it once (set the same on the peer with 'natgw ha secret set')");
        generate.Options.Add(Database);
        generate.Action = new DatabaseCommandAction("ha secret", Database, async (services, parse, ct) =>
        {
            var value = ClusterSecretStore.Generate();
            await services.GetRequiredService<ClusterSecretStore>().SetAsync(value, TokenCommand.Actor, ct);
            Console.Out.WriteLine(value);
            Console.Error.WriteLine("shared secret stored; set the same on the peer (natgw ha secret set < file); it is not shown again");
            return 0;
        });

        var set = new Command("set", "Store the secret read from the first line of standard input (at least 32 bytes)");
        set.Options.Add(Database);
        set.Action = new DatabaseCommandAction("ha secret", Database, async (services, parse, ct) =>
        {
            var value = (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r');
            if (ClusterSecretStore.Problem(value) is { } problem)
            {
                Console.Error.WriteLine($"natgw ha secret set: the secret {problem}");
                return 2;
            }
            await services.GetRequiredService<ClusterSecretStore>().SetAsync(value!, TokenCommand.Actor, ct);
            Console.Error.WriteLine("shared secret stored");
            return 0;
        });

        secret.Subcommands.Add(generate);
        secret.Subcommands.Add(set);
        return secret;
    }
}
