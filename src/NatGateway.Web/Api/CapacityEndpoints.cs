using System.Text.Json;
using NatGateway.Capacity.Output;
using NatGateway.Core.Capacity;
using NatGateway.Core.Kernel;
using NatGateway.Core.Settings;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using NatGateway.Web.Access;

namespace NatGateway.Web.Api;

/// <summary>
/// /api/v1/capacity: plan (<c>natgw plan</c> over HTTP, GET with query parameters or POST with a JSON body), now
/// (<c>conntrack -C; conntrack -S</c> with rates and warnings) and apply (<c>sysctl -w net.netfilter.nf_conntrack_max=N</c>).
/// </summary>
public static class CapacityEndpoints
{
    private static readonly JsonSerializerOptions ApplyJson = new(JsonSerializerDefaults.Web);

    public static void MapCapacityApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/capacity").DisableAntiforgery();

        // GET /api/v1/capacity/plan?entries=500000&budget=512MiB&peak=1.5 (names: CapacityPlanRequestParser.Fields)
        group.MapGet("/plan", (HttpContext http, CapacityService capacity) =>
        {
            var input = http.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.Ordinal);
            var (request, errors) = CapacityPlanRequestParser.Parse(input);
            return request is null ? Invalid(errors) : Plan(capacity, request);
        })
            .WithSummary("A conntrack capacity plan from query parameters (natgw plan)").Produces<System.Text.Json.JsonElement>().ProducesValidationProblem();

        // POST /api/v1/capacity/plan {"expectedEntries": 500000, "memoryBudgetBytes": 536870912, "extensions": "nat, acct"}
        group.MapPost("/plan", async (HttpContext http, CapacityService capacity, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            var (request, errors) = CapacityPlanRequestParser.ParseJson(body.Text);
            return request is null ? Invalid(errors) : Plan(capacity, request);
        }).RequireRole(Role.Viewer)
            .WithSummary("A conntrack capacity plan from a JSON body").AcceptsJson<CapacityPlanInput>().Produces<System.Text.Json.JsonElement>().ProducesValidationProblem();

        group.MapGet("/now", (CapacityNowMonitor monitor) =>
            Results.Ok(monitor.Current.Time == DateTimeOffset.MinValue ? monitor.Sample() : monitor.Current))
            .WithSummary("Conntrack usage now, with rates and warnings").Produces<CapacityNow>();

        // POST /api/v1/capacity/apply {"conntrackMax": 524288, "buckets": 524288, "timeouts": {"nf_conntrack_udp_timeout": 10}, "persist": true}
        group.MapPost("/apply", async (HttpContext http, CapacityService capacity, NatGateway.Core.Revisions.RevisionService revisions,
            int? confirmWithinSeconds, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            CapacityApplyRequest? request;
            try
            {
                request = JsonSerializer.Deserialize<CapacityApplyRequest>(body.Text, ApplyJson);
            }
            catch (JsonException e)
            {
                var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
                return Invalid(new Dictionary<string, string[]> { [field] = [e.Message.Split('\n')[0]] });
            }
            if (request is null) return Invalid(new Dictionary<string, string[]> { ["body"] = ["a JSON object is required"] });
            // "timeouts": null means none, like an absent property (the deserializer would leave a null dictionary).
            if (request.Timeouts is null) request = request with { Timeouts = new Dictionary<string, int>() };
            var errors = capacity.Validate(request);
            if (errors.Count > 0) return Invalid(errors, "The capacity change is not valid");
            try
            {
                if (confirmWithinSeconds is < 5 or > 3600)
                    return Invalid(new Dictionary<string, string[]> { ["confirmWithinSeconds"] = ["must be between 5 and 3600"] });
                if (capacity.EffectiveWrites(request).Count == 0)
                {
                    // No kernel value would change: no revision, no confirmation window. Persisting the values in force still works.
                    if (!request.Persist) return NothingToChange(capacity, request);
                    var persisted = await capacity.ApplyAsync(request, http.User.ActorName(), ct);
                    return Results.Ok(new
                    {
                        revisionId = (long?)null, persisted.Changes, persisted.ReadOnly, persisted.SysctlFile, persisted.ModprobeFile,
                        message = "nothing to change in the kernel; the values in force were persisted",
                    });
                }
                var (revision, result) = await revisions.ApplyCapacityAsync(request, http.User.ActorName(),
                    confirmWithinSeconds is { } s ? TimeSpan.FromSeconds(s) : null, ct);
                return Results.Ok(result is null ? new { revisionId = revision.Id } : (object)new
                {
                    revisionId = revision.Id, state = revision.State, result.Changes, result.ReadOnly, result.SysctlFile, result.ModprobeFile,
                });
            }
            catch (NatGateway.Core.Revisions.ConfirmationPendingException e)
            {
                return ApplyProblems.Pending(e);
            }
            catch (SettingsApplyException e)
            {
                return ApplyProblems.KernelRefused(e);
            }
            // An unavailable kernel is an IOException too, but nothing was persisted by us: ApiExceptionHandler answers 503.
            catch (Exception e) when (e is (IOException and not NatGateway.Core.Kernel.KernelUnavailableException) or UnauthorizedAccessException)
            {
                return Results.Problem(title: "The values were applied but could not be persisted", detail: e.Message);
            }
        }).RequireRole(Role.Admin)
            .WithSummary("Apply conntrack limits and timeouts (a revision; optional confirmWithinSeconds query)")
            .AcceptsJson<CapacityApplyRequest>().Produces<CapacityApplied>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status500InternalServerError);
    }

    /// <summary>409: every requested value is in force already or read-only here; nothing was recorded.</summary>
    private static IResult NothingToChange(CapacityService capacity, CapacityApplyRequest request) =>
        Results.Problem(title: "Nothing to change",
            detail: "every requested value is already in force or read-only here; no revision was recorded",
            statusCode: StatusCodes.Status409Conflict,
            extensions: new Dictionary<string, object?>
            {
                ["readOnly"] = capacity.ReadOnlyKeys(request).Select(r => new { key = r.Key, explanation = r.Explanation }).ToList(),
            });

    private static IResult Plan(CapacityService capacity, NatGateway.Capacity.Planning.CapacityPlanRequest request)
    {
        try
        {
            // The same serializer as `natgw plan --output json`, so both print identical numbers.
            return Results.Text(CapacityPlanJson.Serialize(capacity.Plan(request)), "application/json");
        }
        catch (ArgumentException e)
        {
            return Invalid(new Dictionary<string, string[]> { ["request"] = [e.Message] });
        }
    }

    private static IResult Invalid(IDictionary<string, string[]> errors, string title = "The capacity plan input is not valid") =>
        Results.ValidationProblem(errors, title: title);
}
