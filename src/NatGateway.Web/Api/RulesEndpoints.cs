using System.Text.Json;
using NatGateway.Core.Paging;
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

        rules.MapGet("", async (HttpContext http, NatRulesService service, RuleCountersCache counters, int? page, int? pageSize, string? search,
            string? kind, string? enabled, CancellationToken ct) =>
        {
            var query = http.Request.Query;
            if (!PagingKeys.Any(query.ContainsKey))
                return RuleListWriter.List(await service.ListAsync(ct), await counters.ReadAsync());
            var (ruleQuery, errors) = ReadQuery(page, pageSize, search, kind, enabled);
            if (ruleQuery is null) return Results.ValidationProblem(errors!, title: "The query parameters are not valid");
            var result = await service.QueryAsync(ruleQuery, ct);
            // One shared kernel read (RuleCountersCache); only the page's rules are looked up and written.
            return RuleListWriter.Page(result, result.Items.Count == 0 ? new Dictionary<Guid, RuleCounters>() : await counters.ReadAsync());
        })
            .WithSummary("The draft rule list in order, with counters; with page/pageSize/search/kind/enabled one page of it")
            .WithDescription("Without paging parameters: the whole draft as a JSON array (streamed). With any of page, pageSize " +
                "(1..200, default 50), search (name, addresses, ports, interfaces, description; ignoring case), kind " +
                "(masquerade|snat|dnat|one-to-one|nptv6|redirect|load-balance) or enabled (true|false): one page {items, page, pageSize, totalCount, pageCount} " +
                "(schema RulePage); each rule keeps its position in the whole list. Counters come from one kernel read shared by concurrent requests (a few seconds old at most).")
            .ProducesJsonOneOf(StatusCodes.Status200OK, typeof(List<NatRuleView>), typeof(RulePage)).ProducesValidationProblem();

        rules.MapPost("/batch", async (HttpContext http, NatRulesService service, CancellationToken ct) =>
        {
            var (doc, refused) = await JsonBody.ReadDocumentAsync(http, ct);
            if (doc is null) return refused!.Problem!;
            RuleBatchRequest batch;
            using (doc) batch = RuleBatchRequest.Read(doc.RootElement);
            if (batch.Errors.Count > 0)
            {
                // Some rules did not parse: still check the others against the list, so one answer has every error.
                if (batch.Rules.Count > 0) batch.AddListErrors(await service.ListAsync(ct), service);
                return Results.ValidationProblem(batch.ErrorsByKey(), title: "The batch is not valid; nothing was saved");
            }
            var outcome = await service.SaveBatchAsync(batch.Rules, Actor(http), ct);
            if (!outcome.Succeeded)
                return Results.ValidationProblem(RuleBatchRequest.ErrorsByKey(outcome), title: "The batch is not valid; nothing was saved");
            AuditMiddleware.Note(http, $"{outcome.Created} created, {outcome.Updated} updated");
            return Results.Ok(new BatchResult(outcome.Created, outcome.Updated,
                outcome.Saved.Select(r => new BatchRuleResult(r.Id, r.Name, r.Position, r.MarkId)).ToList()));
        }).WithBodyLimit(BodyLimits.Batch).RequireRole(Role.Admin)
            .WithSummary("Create and update many rules as one draft change (every error reported by index)")
            .WithDescription("{\"rules\": [rule, ...]}: a rule whose id exists replaces it in place (keeping its mark id and position); " +
                $"any other is appended in order. At most {RuleBatchRequest.MaxRules} rules. Errors are keyed rules[i].field, all at once; nothing is saved unless every rule is valid.")
            .AcceptsJson<BatchRequest>().Produces<BatchResult>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        rules.MapPost("/{id:guid}/move", async (Guid id, HttpContext http, NatRulesService service, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            var (position, before, errors) = ReadMove(body.Root);
            if (errors is not null) return Results.ValidationProblem(errors, title: "The move is not valid");
            var outcome = position is { } p
                ? await service.MoveToAsync(id, p - 1, Actor(http), ct)
                : await service.MoveBeforeAsync(id, before, Actor(http), ct);
            if (!outcome.Saved)
                return outcome.Errors.Any(e => e.Field == "id")
                    ? Results.Problem(title: "No such rule", statusCode: StatusCodes.Status404NotFound)
                    : Results.ValidationProblem(outcome.ErrorsByField(), title: "The move is not valid");
            return await service.GetAsync(id, ct) is { } moved
                ? RuleListWriter.Rule(moved, service.ReadCounters().GetValueOrDefault(id), [])
                : Results.Problem(title: "No such rule", statusCode: StatusCodes.Status404NotFound);
        }).RequireRole(Role.Admin)
            .WithSummary("Move a rule to a position (1-based) or before another rule (null: to the end)")
            .AcceptsJson<MoveRequest>().Produces<NatRuleView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        rules.MapPost("/bulk", async (HttpContext http, NatRulesService service, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            var (action, ids, errors) = ReadBulk(body.Root);
            if (errors is not null) return Results.ValidationProblem(errors, title: "The bulk action is not valid");
            var outcome = await service.BulkAsync(action, ids, Actor(http), ct);
            if (!outcome.Saved)
                return Results.ValidationProblem(outcome.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
                    title: "The bulk action is not valid; nothing was changed");
            AuditMiddleware.Note(http, $"{ActionText(action)} {outcome.Changed}");
            return Results.Ok(new BulkResult(ActionText(action), outcome.Changed));
        }).RequireRole(Role.Admin)
            .WithSummary("Enable, disable or delete many rules as one draft change (all or nothing)")
            .AcceptsJson<BulkRequest>().Produces<BulkResult>().ProducesValidationProblem();

        rules.MapPost("", async (HttpContext http, NatRulesService service, CancellationToken ct) =>
        {
            var (rule, problem) = await ReadRuleAsync(http, ct);
            if (rule is null) return problem!;
            var outcome = await service.CreateAsync(rule, Actor(http), ct: ct);
            if (!outcome.Saved) return Results.ValidationProblem(outcome.ErrorsByField(), title: "The rule is not valid");
            return RuleListWriter.Rule(outcome.Rule!, null, outcome.Warnings, StatusCodes.Status201Created);
        }).RequireRole(Role.Admin)
            .WithSummary("Add a rule to the draft").AcceptsJson<NatRuleRequest>().Produces<NatRuleView>(StatusCodes.Status201Created).ProducesValidationProblem();

        rules.MapGet("/{id:guid}", async (Guid id, NatRulesService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } rule
                ? RuleListWriter.Rule(rule, service.ReadCounters().GetValueOrDefault(id), [])
                : Results.Problem(title: "No such rule", statusCode: StatusCodes.Status404NotFound))
            .WithSummary("One rule").Produces<NatRuleView>().ProducesProblem(StatusCodes.Status404NotFound);

        rules.MapPut("/{id:guid}", async (Guid id, HttpContext http, NatRulesService service, CancellationToken ct) =>
        {
            var (rule, problem) = await ReadRuleAsync(http, ct);
            if (rule is null) return problem!;
            var outcome = await service.UpdateAsync(id, rule, Actor(http), ct);
            if (outcome is null) return Results.Problem(title: "No such rule", statusCode: StatusCodes.Status404NotFound);
            if (!outcome.Saved) return Results.ValidationProblem(outcome.ErrorsByField(), title: "The rule is not valid");
            return RuleListWriter.Rule(outcome.Rule!, null, outcome.Warnings);
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
        rules.MapGet("/lint", async (NatGateway.Core.Rules.Lint.RuleLintService lint, CancellationToken ct) =>
            Results.Ok(await lint.LintDraftAsync(ct)))
            .WithSummary("Lint of the draft against the host: warnings the validator cannot give (one-line reasons)")
            .WithDescription("findings: [{kind, ruleId, ruleName, reason}] with kind ForeignForwardDrop (a foreign table's forward chain " +
                "drops the forward), DnatTargetUnrouted (no route to a DNAT target, load-balance backend or 1:1 inside prefix), " +
                "MasqueradeWithoutAddress, SnatPoolTooSmall (pool smaller than the planned flows per destination, Lint:SnatFlowsPerDestination) " +
                "or HairpinNeeded; unchecked: host facts that could not be read, so their checks did not run. Foreign tables are only read.")
            .Produces<NatGateway.Core.Rules.Lint.LintReport>();

        rules.MapGet("/pending", async (HttpContext http, NatRulesService service, NatGateway.Core.Rules.Lint.RuleLintService lint, CancellationToken ct) =>
        {
            var ruleset = http.Request.Query["ruleset"];
            bool withRuleset;
            if (ruleset.Count == 0) withRuleset = false;
            else if (ruleset.Count > 1 || !bool.TryParse(ruleset[0], out withRuleset))
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["ruleset"] = ["must be true or false"] });
            var pending = await service.GetPendingAsync(withRuleset, ct);
            // A summary: the first findings and their count (GET /rules/lint has them all), as the Rules page shows them.
            return Results.Ok(pending with { Lint = (await lint.LintDraftAsync(ct)).First(NatGateway.Core.Rules.Lint.LintReport.SummaryLimit) });
        })
            .WithSummary("What applying the draft would change (?ruleset=true: with the generated ruleset and its diff), with its lint")
            .WithDescription($"lint: the first {NatGateway.Core.Rules.Lint.LintReport.SummaryLimit} findings in rule order, count: how many there are (GET /api/v1/rules/lint lists them all), unchecked.")
            .Produces<PendingChanges>();

        rules.MapGet("/{id:guid}/counters", async (Guid id, NatRulesService service, CancellationToken ct) =>
        {
            if (await service.GetAsync(id, ct) is not { } rule) return Results.Problem(title: "No such rule", statusCode: StatusCodes.Status404NotFound);
            var c = service.ReadCounters().GetValueOrDefault(id);
            // Per backend for a load-balanced forward (index i = backends[i]); null for other kinds.
            var backends = rule is LoadBalanceRule balance
                ? Enumerable.Range(0, balance.Backends.Count)
                    .Select(i => c?.Backends.FirstOrDefault(b => b.Index == i) ?? new BackendCounters(i, 0, 0))
                    .Select(b => new BackendCountersView(b.Index, b.Packets, b.Bytes)).ToList()
                : null;
            return Results.Ok(new RuleCountersView(id, c?.Packets ?? 0, c?.Bytes ?? 0, backends));
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
                var compiled = service.CompileWithKernelText(rules, await service.MssClampInForceAsync(ct));
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

    /// <summary>Any of these in the query string asks for one page instead of the whole list.</summary>
    private static readonly string[] PagingKeys = ["page", "pageSize", "search", "kind", "enabled"];

    /// <summary>The page to read, or the errors per parameter.</summary>
    internal static (RuleQuery? Query, Dictionary<string, string[]>? Errors) ReadQuery(int? page, int? pageSize, string? search, string? kind, string? enabled)
    {
        var (p, size, paging) = Paging.Validate(page, pageSize);
        var errors = paging ?? new Dictionary<string, string[]>();
        if (search is { Length: > RuleQuery.MaxSearchLength })
            errors["search"] = [$"must be at most {RuleQuery.MaxSearchLength} characters"];
        var ruleKind = kind is { Length: > 0 } ? NatRuleJson.ParseKind(kind) : null;
        if (kind is { Length: > 0 } && ruleKind is null)
            errors["kind"] = [$"must be one of {string.Join(", ", NatRuleJson.Kinds.Select(k => k.Text))}"];
        bool? isEnabled = enabled switch
        {
            null or "" => null,
            "true" => true,
            "false" => false,
            _ => null,
        };
        if (enabled is { Length: > 0 } && isEnabled is null) errors["enabled"] = ["must be true or false"];
        return errors.Count > 0 ? (null, errors) : (new RuleQuery(search, ruleKind, isEnabled, p, size), null);
    }

    /// <summary><c>{"position": n}</c> (1-based) or <c>{"before": id|null}</c>, exactly one of them.</summary>
    internal static (int? Position, Guid? Before, Dictionary<string, string[]>? Errors) ReadMove(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var p in root.EnumerateObject())
            if (p.Name is not ("position" or "before")) errors[p.Name] = ["is an unknown field; send {\"position\": n} or {\"before\": \"<rule id>\"}"];
        var hasPosition = root.TryGetProperty("position", out var position);
        var hasBefore = root.TryGetProperty("before", out var before);
        if (hasPosition == hasBefore)
        {
            errors["position"] = ["send either position (1 is the top) or before (a rule id, or null for the end), not " + (hasPosition ? "both" : "neither")];
            return (null, null, errors);
        }
        int? at = null;
        Guid? beforeId = null;
        if (hasPosition)
        {
            if (position.ValueKind == JsonValueKind.Number && position.TryGetInt32(out var n) && n >= 1) at = n;
            else errors["position"] = ["must be a whole number, 1 or more (1 is the top)"];
        }
        else if (before.ValueKind == JsonValueKind.String && before.TryGetGuid(out var g)) beforeId = g;
        else if (before.ValueKind != JsonValueKind.Null) errors["before"] = ["must be a rule id, or null to move to the end"];
        return errors.Count > 0 ? (null, null, errors) : (at, beforeId, null);
    }

    /// <summary><c>{"action": "enable"|"disable"|"delete", "ids": [...]}</c>.</summary>
    internal static (BulkAction Action, IReadOnlyCollection<Guid> Ids, Dictionary<string, string[]>? Errors) ReadBulk(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var p in root.EnumerateObject())
            if (p.Name is not ("action" or "ids")) errors[p.Name] = ["is an unknown field; send {\"action\": \"enable\", \"ids\": [...]}"];
        BulkAction? action = root.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() switch
        {
            "enable" => BulkAction.Enable,
            "disable" => BulkAction.Disable,
            "delete" => BulkAction.Delete,
            _ => null,
        } : null;
        if (action is null) errors["action"] = ["must be enable, disable or delete"];
        var ids = new List<Guid>();
        if (!root.TryGetProperty("ids", out var list) || list.ValueKind != JsonValueKind.Array)
            errors["ids"] = ["must be an array of rule ids"];
        else
        {
            var i = 0;
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.TryGetGuid(out var id)) ids.Add(id);
                else errors[$"ids[{i}]"] = ["must be a rule id"];
                i++;
            }
            if (i == 0) errors["ids"] = ["must hold at least one rule id"];
            else if (i > RuleBatchRequest.MaxRules) errors["ids"] = [$"may hold at most {RuleBatchRequest.MaxRules} ids"];
        }
        return errors.Count > 0 ? (default, [], errors) : (action!.Value, ids, null);
    }

    private static string ActionText(BulkAction action) => action switch
    {
        BulkAction.Enable => "enable",
        BulkAction.Disable => "disable",
        _ => "delete",
    };

    /// <summary>The signed-in user or token ("token NAME") authors revisions; the address goes to the audit log.</summary>
    private static string Actor(HttpContext http) => http.User.ActorName();
}
