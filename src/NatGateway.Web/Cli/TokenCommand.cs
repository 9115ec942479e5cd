using System.CommandLine;
using System.Globalization;
using NatGateway.Core.Access;
using NatGateway.Data;
using NatGateway.Data.Entities;

namespace NatGateway.Web.Cli;

/// <summary>
/// <c>natgw token create|list|revoke</c>: API tokens from the console, straight on the database (root-only like the
/// database file itself; no token needed). The secret is printed once, at creation. Exit code 2 on bad input.
/// </summary>
public static class TokenCommand
{
    /// <summary>Who the audit log names for console actions.</summary>
    public const string Actor = "cli";

    private static readonly Option<string> Database = new("--db")
    {
        Description = "SQLite database file of the natgw instance",
        DefaultValueFactory = _ => DatabaseSetup.DefaultPath(),
    };

    public static Command Build()
    {
        var token = new Command("token", "Create, list and revoke API tokens (Authorization: Bearer)");

        var name = new Option<string?>("--name") { Description = "Token name (letters, digits, . _ - @); required" };
        var role = new Option<string?>("--role") { Description = "viewer, operator or admin; required" };
        var expires = new Option<string?>("--expires")
        {
            Description = "90d (days from now), never (the default), or a date such as 2027-01-01 (UTC)",
        };
        var create = new Command("create", "Create a token and print its secret (shown only this once)");
        create.Options.Add(Database);
        create.Options.Add(name);
        create.Options.Add(role);
        create.Options.Add(expires);
        create.Action = new DatabaseCommandAction("token", Database, async (services, parse, ct) =>
        {
            var clock = services.GetRequiredService<TimeProvider>();
            // Checked here rather than as Required options: a missing value is bad input (exit 2), like a wrong one.
            if (AccountNames.ValidateName(parse.GetValue(name)) is { } nameError) return Fail("create", "--name", nameError);
            if (!AccessClaims.TryParseRole(parse.GetValue(role), out var parsedRole))
                return Fail("create", "--role", "must be viewer, operator or admin");
            if (!TokenExpiry.TryParse(parse.GetValue(expires), clock.GetUtcNow(), out var expiresAt, out var expiryError))
                return Fail("create", "--expires", expiryError!);
            try
            {
                var created = await services.GetRequiredService<ApiTokenService>().CreateAsync(parse.GetValue(name)!, parsedRole, expiresAt, Actor, ct);
                Console.Out.WriteLine(created.Secret);
                Console.Error.WriteLine($"token {created.Token.Id} ({created.Token.Name}, {parsedRole.Name()}, expires {When(created.Token.ExpiresAt) ?? "never"}): " +
                                        "copy the secret now, it is not shown again");
                return 0;
            }
            catch (AccessException e)
            {
                return Fail("create", e.Field == "expires" ? "--expires" : $"--{e.Field}", e.Message);
            }
        });

        var list = new Command("list", "List tokens with their last use (secrets are never shown)");
        list.Options.Add(Database);
        list.Action = new DatabaseCommandAction("token", Database, async (services, _, ct) =>
        {
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            var rows = (await services.GetRequiredService<ApiTokenService>().ListAsync(ct)).Select(t => new[]
            {
                t.Id.ToString(CultureInfo.InvariantCulture), t.Name, t.Role.Name(), When(t.CreatedAt)!, When(t.ExpiresAt) ?? "never",
                When(t.LastUsedAt) ?? "never", t.LastUsedFrom ?? "-", ApiTokenService.StateOf(t, now).ToString().ToLowerInvariant(),
            }).ToList();
            Print(["ID", "NAME", "ROLE", "CREATED", "EXPIRES", "LAST USE", "FROM", "STATE"], rows);
            return 0;
        });

        var target = new Argument<string>("ID|NAME") { Description = "The token's id, or the name of a token that is not revoked" };
        var revoke = new Command("revoke", "Revoke a token: it is refused from now on");
        revoke.Options.Add(Database);
        revoke.Arguments.Add(target);
        revoke.Action = new DatabaseCommandAction("token", Database, async (services, parse, ct) =>
        {
            var tokens = services.GetRequiredService<ApiTokenService>();
            var which = parse.GetValue(target)!;
            if (await tokens.FindAsync(which, ct) is not { } found) return Fail("revoke", "ID|NAME", $"no token {which}");
            if (found.RevokedAt is not null) return Fail("revoke", "ID|NAME", $"token {found.Id} ({found.Name}) is revoked already");
            await tokens.RevokeAsync(found.Id, Actor, ct);
            Console.Out.WriteLine($"revoked token {found.Id} ({found.Name})");
            return 0;
        });

        token.Subcommands.Add(create);
        token.Subcommands.Add(list);
        token.Subcommands.Add(revoke);
        return token;
    }

    private static int Fail(string command, string field, string message)
    {
        Console.Error.WriteLine($"natgw token {command}: {field}: {message}");
        return 2;
    }

    private static string? When(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    private static void Print(string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        foreach (var row in rows.Prepend(header))
            Console.Out.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
    }
}
