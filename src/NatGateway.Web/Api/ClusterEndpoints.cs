using System.Text.Json;
using NatGateway.Core.Access;
using NatGateway.Core.Cluster;
using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Web.Access;

namespace NatGateway.Web.Api;

/// <summary>
/// The HA pair: <c>GET /api/v1/cluster</c> (the same view as the Cluster page and <c>natgw ha status</c>), <c>PUT</c> a
/// configuration as a commit-confirmed revision, "fail over now" / fail back, the shared secret (write-only) and the
/// masquerade → SNAT conversion. State-changing routes need an admin and pass the cross-site protection like every
/// cookie-authenticated write.
/// </summary>
public static class ClusterEndpoints
{
    /// <summary>A configuration is a few hundred bytes; 16 KiB leaves room for many VIPs and nothing for abuse.</summary>
    public const long BodyLimit = 16 * 1024;

    public static void MapClusterApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/cluster").DisableAntiforgery();

        group.MapGet("", async (ClusterService cluster, CancellationToken ct) =>
            Results.Text(ClusterViewJson.Serialize(await cluster.ViewAsync(ct)), "application/json"))
            .WithSummary("The HA pair: configuration in force, both nodes (role, VRRP state, last transition, conntrackd stats, revision), replication, findings")
            .Produces<JsonElement>();

        // PUT /api/v1/cluster?confirmWithinSeconds=60 with the whole configuration (ClusterJson's shape).
        group.MapPut("", async (HttpContext http, ClusterService cluster, int? confirmWithinSeconds, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            if (confirmWithinSeconds is < 5 or > 3600)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["confirmWithinSeconds"] = ["must be between 5 and 3600"] });
            var (config, errors) = ClusterJson.Parse(body.Root);
            if (config is null) return Results.ValidationProblem(errors, title: "The cluster configuration is not valid");
            errors = await cluster.CheckAsync(config, ct);
            if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The cluster configuration is not valid");
            return await RunAsync(http, () => cluster.ApplyAsync(config, http.User.ActorName(),
                confirmWithinSeconds is { } s ? TimeSpan.FromSeconds(s) : null, ct));
        }).RequireRole(Role.Admin).WithBodyLimit(BodyLimit)
            .WithSummary("Put a cluster configuration in force as a revision (optional confirmWithinSeconds query: commit-confirmed)")
            .Produces<ClusterChangeAnswer>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        // POST /api/v1/cluster/failover {"confirmWithinSeconds": 60}: always commit-confirmed (default: --confirm-window).
        group.MapPost("/failover", (HttpContext http, ClusterService cluster, SafeApplyOptions safe, CancellationToken ct) =>
            StandDownAsync(http, cluster, safe, standDown: true, ct))
            .RequireRole(Role.Admin).WithBodyLimit(BodyLimit)
            .WithSummary("Fail over now: this node stands down (VRRP priority 1) so the peer takes the virtual addresses; commit-confirmed")
            .Produces<ClusterChangeAnswer>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/failback", (HttpContext http, ClusterService cluster, SafeApplyOptions safe, CancellationToken ct) =>
            StandDownAsync(http, cluster, safe, standDown: false, ct))
            .RequireRole(Role.Admin).WithBodyLimit(BodyLimit)
            .WithSummary("End a stand-down: this node takes its configured priority again (and preempts); commit-confirmed")
            .Produces<ClusterChangeAnswer>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        // PUT /api/v1/cluster/secret {"secret": "..."}: write-only; no answer ever carries it.
        group.MapPut("/secret", async (HttpContext http, ClusterSecretStore secrets, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            string? secret = null;
            foreach (var p in body.Root.EnumerateObject())
            {
                if (p.Name == "secret" && p.Value.ValueKind == JsonValueKind.String) secret = p.Value.GetString();
                else if (p.Name == "secret") errors["secret"] = ["must be text"];
                else errors[p.Name] = ["unknown field; the only field is secret"];
            }
            if (!errors.ContainsKey("secret") && ClusterSecretStore.Problem(secret) is { } problem) errors["secret"] = [problem];
            if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The shared secret is not valid");
            await secrets.SetAsync(secret!, http.User.ActorName(), ct);
            return Results.NoContent();
        }).RequireRole(Role.Admin).WithBodyLimit(BodyLimit)
            .WithSummary("Set the peers' shared secret (at least 32 bytes; never shown again)")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem();

        // POST /api/v1/cluster/masquerade-to-snat {"ids": [...]} (none: every masquerade rule of the draft)
        group.MapPost("/masquerade-to-snat", async (HttpContext http, ClusterService cluster, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct, optional: true);
            if (!body.IsValid) return body.Problem!;
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            List<Guid>? ids = null;
            foreach (var p in body.Root.EnumerateObject())
            {
                if (p.Name != "ids") { errors[p.Name] = ["unknown field; the only field is ids"]; continue; }
                if (p.Value.ValueKind == JsonValueKind.Null) continue;
                if (p.Value.ValueKind != JsonValueKind.Array) { errors["ids"] = ["must be an array of rule ids"]; continue; }
                ids = [];
                var i = 0;
                foreach (var e in p.Value.EnumerateArray())
                {
                    if (e.ValueKind == JsonValueKind.String && Guid.TryParse(e.GetString(), out var id)) ids.Add(id);
                    else errors[$"ids[{i}]"] = ["must be a rule id"];
                    i++;
                }
                if (ids.Count > 10_000) errors["ids"] = ["at most 10,000 ids"];
            }
            if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The conversion request is not valid");
            try
            {
                var outcome = await cluster.ConvertMasqueradeAsync(ids, http.User.ActorName(), ct);
                if (!outcome.Succeeded) return Results.ValidationProblem(outcome.ErrorsByKey(), title: "The converted rules have errors; nothing was changed");
                return Results.Ok(new ConversionAnswer(outcome.Saved.Count,
                    outcome.Saved.OfType<SnatRule>().Select(r => new ConvertedRule(r.Id, r.Name, r.TranslateTo.ToString())).ToList()));
            }
            catch (ClusterActionRefusedException e)
            {
                return Results.Problem(title: "Nothing to convert", detail: e.Message, statusCode: StatusCodes.Status409Conflict);
            }
        }).RequireRole(Role.Admin).WithBodyLimit(1024 * 1024)
            .WithSummary("Convert masquerade rules of the draft into SNAT to the cluster's outside virtual address (one draft change; apply stays explicit)")
            .Produces<ConversionAnswer>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> StandDownAsync(HttpContext http, ClusterService cluster, SafeApplyOptions safe, bool standDown, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync(http, ct, optional: true);
        if (!body.IsValid) return body.Problem!;
        var window = safe.ConfirmWindow;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var p in body.Root.EnumerateObject())
        {
            if (p.Name != "confirmWithinSeconds") errors[p.Name] = ["unknown field; the only field is confirmWithinSeconds"];
            else if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var s) && s is >= 5 and <= 3600) window = TimeSpan.FromSeconds(s);
            else errors["confirmWithinSeconds"] = ["must be between 5 and 3600"];
        }
        if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The fail-over request is not valid");
        return await RunAsync(http, () => cluster.FailoverAsync(standDown, http.User.ActorName(), window, ct));
    }

    /// <summary>Runs a cluster revision and maps its failures as every apply endpoint does.</summary>
    private static async Task<IResult> RunAsync(HttpContext http, Func<Task<ApplyPipelineResult>> run)
    {
        try
        {
            var revision = (await run()).Revision;
            AuditMiddleware.Note(http, $"revision {revision.Id}");
            return Results.Ok(new ClusterChangeAnswer(revision.Id, revision.State, revision.ConfirmBy));
        }
        catch (ConfirmationPendingException e)
        {
            return ApplyProblems.Pending(e);
        }
        catch (ClusterActionRefusedException e)
        {
            return Results.Problem(title: "The cluster action cannot run now", detail: e.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (RulesInvalidException e)
        {
            // The journal's gate: masquerade in force while enabling cluster mode.
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["enabled"] = e.Problems.Select(p => $"rule '{p.Name}': {p.Issue.Message}").ToArray(),
            }, title: "The rules in force do not allow cluster mode; nothing was applied");
        }
        catch (ClusterApplyException e)
        {
            return Results.Problem(title: "The cluster services refused the configuration", detail: e.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    public sealed record ClusterChangeAnswer(long RevisionId, RevisionState State, DateTimeOffset? ConfirmBy);

    public sealed record ConvertedRule(Guid Id, string Name, string TranslateTo);

    public sealed record ConversionAnswer(int Converted, IReadOnlyList<ConvertedRule> Rules);
}
