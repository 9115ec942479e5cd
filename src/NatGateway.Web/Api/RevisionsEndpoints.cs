using System.Text.Json;
using NatGateway.Core;
using NatGateway.Core.Paging;
using NatGateway.Core.Revisions;
using NatGateway.Core.Rules;
using NatGateway.Nftables;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using NatGateway.Web.Access;

namespace NatGateway.Web.Api;

/// <summary>/api/v1/revisions (history, diff, rollback, confirm) and /api/v1/config (export/import of the desired state).</summary>
public static class RevisionsEndpoints
{
    public static void MapRevisionsApi(this IEndpointRouteBuilder app)
    {
        var revisions = app.MapGroup("/api/v1/revisions").DisableAntiforgery();

        // Paged, and without the documents: the list once returned 101 MB (GET /revisions/{id} has rules, ruleset, diff).
        revisions.MapGet("", async (int? page, int? pageSize, RevisionService service, CancellationToken ct) =>
            Paging.Validate(page, pageSize) is var (p, size, errors) && errors is not null
                ? Results.ValidationProblem(errors, title: "The paging parameters are not valid")
                : Results.Ok(await service.PageAsync(p, size, ct)))
            .WithSummary("Revisions, newest first, one page (without rules, ruleset and diff)").Produces<NatGateway.Core.Paging.PagedList<RevisionSummary>>().ProducesValidationProblem();

        revisions.MapGet("/pending", async (RevisionService service, CancellationToken ct) =>
            await service.PendingAsync(ct) is { } p ? Results.Ok(p) : Results.NoContent())
            .WithSummary("The revision waiting for confirmation, if any").Produces<PendingConfirmation>().Produces(StatusCodes.Status204NoContent);

        revisions.MapGet("/{id:long}", async (long id, RevisionService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } r
                ? Results.Ok(new
                {
                    summary = RevisionService.Summary(r),
                    rules = JsonDocument.Parse(r.RulesDocument).RootElement,
                    settings = r.SettingsDocument is null ? (JsonElement?)null : JsonDocument.Parse(r.SettingsDocument).RootElement,
                    rulesetText = r.RulesetText,
                    diff = r.Diff,
                })
                : NotFound(id))
            .WithSummary("One revision with its rules, settings, ruleset and diff").Produces<RevisionDetail>().ProducesProblem(StatusCodes.Status404NotFound);

        revisions.MapGet("/{a:long}/diff/{b:long}", async (long a, long b, RevisionService service, CancellationToken ct) =>
            await service.DiffAsync(a, b, ct) is { } d ? Results.Ok(d) : Results.Problem(title: "No such revision", statusCode: 404))
            .WithSummary("Differences between two revisions").Produces<RevisionDiff>().ProducesProblem(StatusCodes.Status404NotFound);

        revisions.MapPost("/{id:long}/rollback", async (long id, HttpContext http, RevisionService service, CancellationToken ct) =>
        {
            var (comment, confirm, error) = await ReadApplyOptionsAsync(http, ct);
            if (error is not null) return error;
            try
            {
                return await service.RollbackAsync(id, Actor(http), comment, confirm, ct) is { } r
                    ? Results.Ok(new { revisionId = r.Id, state = r.State, confirmBy = r.ConfirmBy, outcome = r.Outcome })
                    : NotFound(id);
            }
            catch (ConfirmationPendingException e)
            {
                return ApplyProblems.Pending(e);
            }
            catch (NftablesException e)
            {
                return Results.Problem(title: "nftables refused the ruleset; the kernel is unchanged", detail: e.NftError, statusCode: 422);
            }
        }).RequireRole(Role.Admin)
            .WithSummary("Roll back to a revision (a new revision)").AcceptsJson<ApplyOptionsRequest>(optional: true).Produces<ApplyOutcome>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        revisions.MapPost("/{id:long}/confirm", async (long id, HttpContext http, RevisionService service, CancellationToken ct) =>
            await service.ConfirmAsync(id, Actor(http), ct)
                ? Results.Ok(new { revisionId = id, state = "applied" })
                : Results.Problem(title: "Nothing to confirm", detail: $"revision {id} is not waiting for confirmation", statusCode: 409))
            .AddEndpointFilter(JsonBody.NoBodyUnlessJson).RequireRole(Role.Operator)
            .WithSummary("Confirm a pending revision (stops its automatic revert)").Produces<ConfirmOutcome>().ProducesProblem(StatusCodes.Status409Conflict);

        app.MapGet("/api/v1/rules/{id:guid}/history", async (Guid id, RevisionService service, CancellationToken ct) =>
            Results.Ok((await service.RuleHistoryAsync(id, ct)).Select(h => new { revision = h.Revision, change = h.Change })))
            .WithSummary("The revisions that changed a rule").Produces<List<RuleHistoryEntry>>();

        var config = app.MapGroup("/api/v1/config").DisableAntiforgery();
        config.MapGet("/export", async (RevisionService service, CancellationToken ct) =>
            Results.Content(await service.ExportAsync(ct), "application/json"))
            .WithSummary("The state in force as a versioned document (natgw config export)").Produces<StateDocument>();
        config.MapPost("/import", async (HttpContext http, RevisionService service, CancellationToken ct) =>
        {
            // Parsed once from the body's bytes; the document is read and validated in the same pass (no string, no copy).
            var (doc, refused) = await JsonBody.ReadDocumentAsync(http, ct);
            if (doc is null) return refused!.Problem!;
            GatewayState? state;
            Dictionary<string, string[]> errors;
            using (doc) (state, errors) = await service.ImportAsync(doc.RootElement, ct);
            return state is null
                ? Results.ValidationProblem(errors, title: "The document is not a valid NatGateway state")
                : Results.Ok(new { rules = state.Rules.Count, settings = state.Settings is not null, applied = false });
        }).WithBodyLimit(BodyLimits.Import).RequireRole(Role.Admin)
            .WithSummary("Validate a state document and make its rules the draft (nothing is applied)").AcceptsJson<StateDocument>().Produces<ImportOutcome>().ProducesValidationProblem();
    }

    internal static async Task<(string? Comment, TimeSpan? Confirm, IResult? Error)> ReadApplyOptionsAsync(HttpContext http, CancellationToken ct)
    {
        var body = await JsonBody.ReadAsync(http, ct, optional: true);
        if (!body.IsValid) return (null, null, body.Problem);
        var doc = body.Root;
        string? comment = doc.TryGetProperty("comment", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (CommentProblem(comment) is { } tooLong) return (null, null, tooLong);
        TimeSpan? confirm = null;
        if (doc.TryGetProperty("confirmWithinSeconds", out var w) && w.ValueKind != JsonValueKind.Null)
        {
            if (w.ValueKind != JsonValueKind.Number || !w.TryGetInt32(out var s) || s is < 5 or > 3600)
                return (null, null, Results.ValidationProblem(new Dictionary<string, string[]> { ["confirmWithinSeconds"] = ["must be a number of seconds between 5 and 3600"] }));
            confirm = TimeSpan.FromSeconds(s);
        }
        return (comment, confirm, null);
    }

    /// <summary>400 naming <c>comment</c> when it is over <see cref="TextLimits.MaxCommentLength"/>.</summary>
    internal static IResult? CommentProblem(string? comment) =>
        TextLimits.CommentError(comment) is { } error
            ? Results.ValidationProblem(new Dictionary<string, string[]> { ["comment"] = [error] }, title: "The comment is too long")
            : null;

    private static IResult NotFound(long id) => Results.Problem(title: "No such revision", detail: $"revision {id} does not exist", statusCode: 404);

    /// <summary>The signed-in user or token ("token NAME") authors revisions; the address goes to the audit log.</summary>
    private static string Actor(HttpContext http) => http.User.ActorName();
}
