using System.CommandLine;
using System.Globalization;
using NatGateway.Core.Access;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Web.Cli;

/// <summary>
/// <c>natgw user add|list|remove|passwd|set-role</c>: local accounts from the console (root only: whoever can run
/// natgw as root owns the gateway anyway, so these need no token). A password is read from standard input
/// (<c>--password-stdin</c>) or asked for twice without echo; never taken from the command line, where
/// <c>ps</c> and shell history would show it. Exit code 2 on bad input, 3 when the database is unusable.
/// </summary>
public static class UserCommand
{
    private const string Actor = "cli";

    private static readonly Option<string> Database = new("--db")
    {
        Description = "SQLite database file of the natgw instance",
        DefaultValueFactory = _ => DatabaseSetup.DefaultPath(),
    };

    private static readonly Option<bool> PasswordStdin = new("--password-stdin")
    {
        Description = "Read the password from the first line of standard input instead of asking twice",
    };

    public static Command Build()
    {
        var user = new Command("user", "Manage the local accounts that sign in to the web UI");
        var name = new Argument<string>("NAME") { Description = "The account name" };
        var role = new Option<string>("--role") { Description = "admin, operator or viewer", Required = true };

        var add = new Command("add", "Create an account (the first one should be an admin)");
        add.Arguments.Add(name);
        add.Options.Add(role);
        add.Options.Add(PasswordStdin);
        add.Options.Add(Database);
        add.Action = Run("user add", async (users, parse, ct) =>
        {
            var r = ParseRole(parse.GetValue(role));
            var password = ReadPassword(parse.GetValue(PasswordStdin));
            var created = await users.CreateAsync(parse.GetValue(name)!, password, r, Actor, ct);
            Console.Out.WriteLine($"user {created.Name} ({created.Role.Name()}) created");
            return 0;
        });

        var list = new Command("list", "List the accounts: name, role, second factor, last sign-in, lockout");
        list.Options.Add(Database);
        list.Action = Run("user list", async (users, _, ct) =>
        {
            var all = await users.ListAsync(ct);
            Console.Out.WriteLine($"{"NAME",-24} {"ROLE",-9} {"2FA",-4} {"LAST LOGIN",-20} LOCKED");
            foreach (var u in all)
                Console.Out.WriteLine($"{u.Name,-24} {u.Role.Name(),-9} {(u.TotpSecret is null ? "off" : "on"),-4} " +
                    $"{(u.LastLoginAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "never"),-20} " +
                    $"{(users.IsLocked(u) ? $"until {u.LockedUntil!.Value.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC" : "no")}");
            return 0;
        });

        var remove = new Command("remove", "Remove an account (never the last admin)");
        remove.Arguments.Add(name);
        remove.Options.Add(Database);
        remove.Action = Run("user remove", async (users, parse, ct) =>
        {
            await users.RemoveAsync(parse.GetValue(name)!, Actor, ct);
            Console.Out.WriteLine($"user {parse.GetValue(name)} removed");
            return 0;
        });

        var passwd = new Command("passwd", "Set an account's password (also lifts a lockout; its sessions end)");
        passwd.Arguments.Add(name);
        passwd.Options.Add(PasswordStdin);
        passwd.Options.Add(Database);
        passwd.Action = Run("user passwd", async (users, parse, ct) =>
        {
            var n = parse.GetValue(name)!;
            if (await users.FindAsync(n, ct) is null) throw new AccessException("name", $"There is no user named '{n}'.");
            await users.SetPasswordAsync(n, ReadPassword(parse.GetValue(PasswordStdin)), Actor, ct);
            Console.Out.WriteLine($"password of {n} changed");
            return 0;
        });

        var setRole = new Command("set-role", "Change an account's role (never demotes the last admin)");
        var roleArg = new Argument<string>("ROLE") { Description = "admin, operator or viewer" };
        setRole.Arguments.Add(name);
        setRole.Arguments.Add(roleArg);
        setRole.Options.Add(Database);
        setRole.Action = Run("user set-role", async (users, parse, ct) =>
        {
            var r = ParseRole(parse.GetValue(roleArg));
            await users.SetRoleAsync(parse.GetValue(name)!, r, Actor, ct);
            Console.Out.WriteLine($"user {parse.GetValue(name)} is now {r.Name()}");
            return 0;
        });

        user.Subcommands.Add(add);
        user.Subcommands.Add(list);
        user.Subcommands.Add(remove);
        user.Subcommands.Add(passwd);
        user.Subcommands.Add(setRole);
        return user;
    }

    private static Role ParseRole(string? text) =>
        AccessClaims.TryParseRole(text, out var role) ? role : throw new AccessException("role", $"'{text}' is not a role: admin, operator or viewer.");

    private static string ReadPassword(bool fromStdin)
    {
        if (fromStdin || Console.IsInputRedirected)
        {
            if (!fromStdin) throw new AccessException("password", "Standard input is not a terminal: pass --password-stdin to read the password from it.");
            return Console.In.ReadLine()?.TrimEnd('\r') ?? throw new AccessException("password", "No password on standard input.");
        }
        var first = Prompt("Password: ");
        var second = Prompt("Again: ");
        if (first != second) throw new AccessException("password", "The two passwords differ.");
        return first;
    }

    /// <summary>Reads a line from the terminal without echoing it.</summary>
    private static string Prompt(string label)
    {
        Console.Error.Write(label);
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; continue; }
            if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }

    /// <summary>A user action with the account service; refused input (<see cref="AccessException"/>) is exit code 2.</summary>
    private static DatabaseCommandAction Run(string command, Func<UserService, ParseResult, CancellationToken, Task<int>> action) =>
        new(command, Database, async (services, parse, ct) =>
        {
            try
            {
                return await action(services.GetRequiredService<UserService>(), parse, ct);
            }
            catch (AccessException e)
            {
                Console.Error.WriteLine($"natgw {command}: {e.Field}: {e.Message}");
                return 2;
            }
        });
}
