using System.Text.Json;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using NatGateway.Web.Access;

namespace NatGateway.Web.Api;

/// <summary>
/// /api/v1/rules: the ordered NAT rule list (<c>nft add rule ip natgw ...</c> as REST), apply, the generated
/// ruleset and counters. Rules use the domain's JSON shape (NatRuleJson); errors are ValidationProblem per field.
/// </summary>
public static class RulesEndpoints
{
    public static void MapRulesApi(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup("/api/v1/rules").DisableAntiforgery();

        rules.MapGet("", async (NatRulesService service, CancellationToken ct) =>
        {
            var list = await service.ListAsync(ct);
            var counters = service.ReadCounters();
            return Results.Content(RulesJson(list, counters), "application/json");
        })
            .WithSummary("The draft rule list in order, with counters").Produces<List<NatRuleView>>();

        rules.MapPost("", async (HttpContext http, NatRulesService service, CancellationToken ct) =>
        {
            var (rule, problem) = await ReadRuleAsync(http, ct);
            if (rule is null) return problem!;
            var outcome = await service.CreateAsync(rule, Actor(http), ct: ct);
            if (!outcome.Saved) return Results.ValidationProblem(outcome.ErrorsByField(), title: "The rule is not valid");
            return Results.Content(RuleJson(outcome.Rule!, null, outcome.Warnings), "application/json", statusCode: StatusCodes.Status201Created);
        }).RequireRole(Role.Admin)
            .WithSummary("Add a rule to the draft").AcceptsJson<NatRuleRequest>().Produces<NatRuleView>(StatusCodes.Status201Created).ProducesValidationProblem();

        rules.MapGet("/{id:guid}", async (Guid id, NatRulesService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } rule
                ? Results.Content(RuleJson(rule, service.ReadCounters().GetValueOrDefault(id), []), "application/json")
                : Results.Problem(title: "No such rule", statusCode: StatusCodes.Status404NotFound))
            .WithSummary("One rule").Produces<NatRuleView>().ProducesProblem(StatusCodes.Status404NotFound);

        rules.MapPut("/{id:guid}", async (Guid id, HttpContext http, NatRulesService service, CancellationToken ct) =>
        {
            var (rule, problem) = await ReadRuleAsync(http, ct);
            if (rule is null) return problem!;
            var outcome = await service.UpdateAsync(id, rule, Actor(http), ct);
            if (outcome is null) return Results.Problem(title: "No such rule", statusCode: StatusCodes.Status404NotFound);
            if (!outcome.Saved) return Results.ValidationProblem(outcome.ErrorsByField(), title: "The rule is not valid");
            return Results.Content(RuleJson(outcome.Rule!, null, outcome.Warnings), "application/json");
        }).RequireRole(Role.Admin)
            .WithSummary("Replace a draft rule").AcceptsJson<NatRuleRequest>().Produces<NatRuleView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        rules.MapDelete("/{id:guid}", async (Guid id, HttpContext http, NatRulesService service, CancellationToken ct) =>
            await service.DeleteAsync(id, Actor(http), ct) ? Results.NoContent() : Results.Problem(title: "No such rule", statusCode: StatusCodes.Status404NotFound))
            .AddEndpointFilter(JsonBody.NoBodyUnlessJson).RequireRole(Role.Admin)
            .WithSummary("Delete a draft rule").Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);

        rules.MapPost("/reorder", async (HttpContext http, NatRulesService service, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            List<Guid>? order = null;
            try
            {
                if (body.Root.TryGetProperty("order", out var o) && o.ValueKind == JsonValueKind.Array)
                    order = o.EnumerateArray().Select(e => e.GetGuid()).ToList();
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException) { }
            if (order is null)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["order"] = ["must be an array of rule ids: {\"order\": [\"...\", ...]}"] });
            var outcome = await service.ReorderAsync(order, Actor(http), ct);
            return outcome.Saved ? Results.NoContent() : Results.ValidationProblem(outcome.ErrorsByField(), title: "The new order is not valid");
        }).RequireRole(Role.Admin)
            .WithSummary("Reorder the draft").AcceptsJson<ReorderRequest>().Produces(StatusCodes.Status204NoContent).ProducesValidationProblem();

        rules.MapPost("/apply", async (HttpContext http, RevisionService revisions, CancellationToken ct) =>
        {
            string? comment = null;
            int? confirm = null;
            var purge = false;
            var body = await JsonBody.ReadAsync(http, ct, optional: true);
            if (!body.IsValid) return body.Problem!;
            var doc = body.Root;
            if (doc.TryGetProperty("comment", out var c) && c.ValueKind == JsonValueKind.String) comment = c.GetString();
            if (RevisionsEndpoints.CommentProblem(comment) is { } tooLong) return tooLong;
            if (doc.TryGetProperty("purgeChangedFlows", out var p) && p.ValueKind == JsonValueKind.True) purge = true;
            if (doc.TryGetProperty("confirmWithinSeconds", out var w) && w.ValueKind != JsonValueKind.Null)
            {
                if (w.ValueKind != JsonValueKind.Number || !w.TryGetInt32(out var seconds) || seconds is < 5 or > 3600)
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["confirmWithinSeconds"] = ["must be a number of seconds between 5 and 3600"] });
                confirm = seconds;
            }
            try
            {
                var revision = await revisions.ApplyRulesAsync(comment, Actor(http), confirm is { } s ? TimeSpan.FromSeconds(s) : null, purge, ct);
                AuditMiddleware.Note(http, $"revision {revision.Id}");
                return Results.Ok(new { revisionId = revision.Id, state = revision.State, confirmBy = revision.ConfirmBy, outcome = revision.Outcome });
            }
            catch (RulesInvalidException e)
            {
                return Results.ValidationProblem(e.Problems.GroupBy(p => $"{p.Name}.{p.Issue.Field}").ToDictionary(g => g.Key, g => g.Select(p => p.Issue.Message).ToArray()),
                    title: "The rule list has errors; nothing was applied");
            }
            catch (NftablesException e)
            {
                return Results.Problem(title: "nftables refused the ruleset; the kernel is unchanged", detail: e.NftError,
                    statusCode: StatusCodes.Status422UnprocessableEntity);
            }
            catch (ConfirmationPendingException e)
            {
                return ApplyProblems.Pending(e);
            }
        }).RequireRole(Role.Admin)
            .WithSummary("Apply the draft to the kernel (a revision; with confirmWithinSeconds it reverts unless confirmed)")
            .AcceptsJson<ApplyRequest>(optional: true).Produces<ApplyOutcome>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        rules.MapGet("/flows", async (RevisionService revisions, CancellationToken ct) => Results.Ok(new
        {
            perRule = await revisions.FlowCountsAsync(ct),
            changedMarkIds = await revisions.ChangedMarkIdsAsync(ct),
        }))
            .WithSummary("Conntrack flows per rule in force, and rules whose change leaves old flows").Produces<RuleFlows>();

        rules.MapPost("/{id:guid}/purge", async (Guid id, RevisionService revisions, RuleFlowService flows, CancellationToken ct) =>
        {
            var rule = (await revisions.FlowCountsAsync(ct)).FirstOrDefault(r => r.RuleId == id);
            if (rule is null) return Results.Problem(title: "No such rule in force", statusCode: StatusCodes.Status404NotFound);
            return Results.Ok(new { ruleId = id, deleted = flows.Purge([rule.MarkId]) });
        }).AddEndpointFilter(JsonBody.NoBodyUnlessJson).RequireRole(Role.Operator)
            .WithSummary("Delete the conntrack flows of a rule in force").Produces<PurgeOutcome>().ProducesProblem(StatusCodes.Status404NotFound);

        rules.MapPost("/discard", async (NatRulesService service, CancellationToken ct) =>
            Results.Ok(new { discarded = await service.DiscardDraftAsync(ct) })).AddEndpointFilter(JsonBody.NoBodyUnlessJson).RequireRole(Role.Admin)
            .WithSummary("Discard the draft (back to the rules in force)").Produces<DiscardOutcome>();

        // The rule diff alone by default (fast at 10,000 rules); ?ruleset=true adds the generated ruleset text and its diff.
        rules.MapGet("/pending", async (HttpContext http, NatRulesService service, CancellationToken ct) =>
        {
            var ruleset = http.Request.Query["ruleset"];
            bool withRuleset;
            if (ruleset.Count == 0) withRuleset = false;
            else if (ruleset.Count > 1 || !bool.TryParse(ruleset[0], out withRuleset))
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["ruleset"] = ["must be true or false"] });
            return Results.Ok(await service.GetPendingAsync(withRuleset, ct));
        })
            .WithSummary("What applying the draft would change (?ruleset=true: with the generated ruleset and its diff)").Produces<PendingChanges>();

        rules.MapGet("/{id:guid}/counters", async (Guid id, NatRulesService service, CancellationToken ct) =>
        {
            if (await service.GetAsync(id, ct) is null) return Results.Problem(title: "No such rule", statusCode: StatusCodes.Status404NotFound);
            var c = service.ReadCounters().GetValueOrDefault(id);
            return Results.Ok(new { ruleId = id, packets = c?.Packets ?? 0, bytes = c?.Bytes ?? 0 });
        })
            .WithSummary("Packet and byte counters of a rule").Produces<RuleCountersView>().ProducesProblem(StatusCodes.Status404NotFound);

        rules.MapPost("/reapply", async (HttpContext http, RevisionService revisions, CancellationToken ct) =>
        {
            var (_, confirm, error) = await RevisionsEndpoints.ReadApplyOptionsAsync(http, ct);
            if (error is not null) return error;
            try
            {
                return await revisions.ReapplyActiveAsync(Actor(http), confirm, ct) is { } r
                    ? Results.Ok(new { revisionId = r.Id, state = r.State, confirmBy = r.ConfirmBy })
                    : Results.Problem(title: "Nothing applied yet", statusCode: StatusCodes.Status409Conflict);
            }
            catch (ConfirmationPendingException e)
            {
                return ApplyProblems.Pending(e);
            }
        }).RequireRole(Role.Admin)
            .WithSummary("Apply the revision in force again (repairs drift)").AcceptsJson<ApplyOptionsRequest>(optional: true).Produces<ApplyOutcome>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);

        rules.MapGet("/drift", async (NatRulesService service, CancellationToken ct) =>
            await service.DetectDriftAsync(ct) is { } drift
                ? Results.Ok(new { hasDrift = drift.HasDrift, diff = drift.Diff })
                : Results.Ok(new { hasDrift = false, diff = Array.Empty<string>() }))
            .WithSummary("Whether the kernel differs from the revision in force").Produces<DriftView>();

        app.MapGet("/api/v1/ruleset", async (NatRulesService service, CancellationToken ct) =>
        {
            var rules = await service.ListAsync(ct);
            try
            {
                var compiled = service.CompileWithKernelText(rules);
                using var json = JsonDocument.Parse(compiled.Json);
                return Results.Ok(new { text = compiled.NftText, json = json.RootElement.Clone(), kernel = service.ListKernelTables() });
            }
            catch (NatCompileException e)
            {
                return Results.Problem(title: "The rules cannot be compiled", detail: e.Message, statusCode: StatusCodes.Status422UnprocessableEntity);
            }
            catch (NftablesException e)
            {
                // A draft rule nft refuses (e.g. an interface named "*") is the draft's problem, not a server error.
                return Results.Problem(title: "nftables refuses the draft's ruleset", detail: e.NftError, statusCode: StatusCodes.Status422UnprocessableEntity);
            }
        }).DisableAntiforgery()
            .WithSummary("The ruleset the draft compiles to, and the kernel's tables").Produces<RulesetView>().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    /// <summary>The rule in the body, or the problem to answer with (400 per field; 413/415 from <see cref="JsonBody"/>).</summary>
    private static async Task<(NatRule? Rule, IResult? Problem)> ReadRuleAsync(HttpContext http, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync(http, ct);
        if (!body.IsValid) return (null, body.Problem);
        var parsed = NatRuleJson.Parse(body.Text);
        if (parsed.Success) return (parsed.Rule, null);
        return (null, Results.ValidationProblem(parsed.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            title: "The rule is not valid"));
    }

    private static string RulesJson(IReadOnlyList<NatRule> rules, IReadOnlyDictionary<Guid, RuleCounters> counters)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartArray();
            foreach (var rule in rules) WriteRule(w, rule, counters.GetValueOrDefault(rule.Id), []);
            w.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string RuleJson(NatRule rule, RuleCounters? counters, IEnumerable<ValidationIssue> warnings)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream)) WriteRule(w, rule, counters, warnings);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The rule's own JSON, plus counters and warnings beside it (not inside the rule's shape).</summary>
    private static void WriteRule(Utf8JsonWriter w, NatRule rule, RuleCounters? counters, IEnumerable<ValidationIssue> warnings)
    {
        using var doc = JsonDocument.Parse(NatRuleJson.Serialize(rule));
        w.WriteStartObject();
        foreach (var p in doc.RootElement.EnumerateObject()) p.WriteTo(w);
        w.WriteNumber("packets", counters?.Packets ?? 0);
        w.WriteNumber("bytes", counters?.Bytes ?? 0);
        w.WriteStartArray("warnings");
        foreach (var warning in warnings)
        {
            w.WriteStartObject();
            w.WriteString("field", warning.Field);
            w.WriteString("message", warning.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The signed-in user or token ("token NAME") authors revisions; the address goes to the audit log.</summary>
    private static string Actor(HttpContext http) => http.User.ActorName();
}
