using System.Text.Json;
using System.Text.Json.Serialization;
using NatGateway.Core.Access;
using NatGateway.Core.Doctor;
using NatGateway.Core.Revisions;
using NatGateway.Core.Settings;
using NatGateway.Data.Entities;
using NatGateway.Nat;
using NatGateway.Nftables;
using NatGateway.Web.Access;

namespace NatGateway.Web.Api;

/// <summary>
/// /api/v1/doctor: the checks' report (<c>natgw doctor --output json</c> over HTTP), the history of status changes,
/// and applying a fix a check offers (one commit-confirmed revision, <see cref="DoctorFixService"/>).
/// </summary>
public static class DoctorEndpoints
{
    /// <summary>Enums by name ("Critical", "EnableForwarding", "Ipv4"); members without a value are left out.</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void MapDoctorApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/doctor").DisableAntiforgery();

        // GET /api/v1/doctor?check=snat-ports
        group.MapGet("", async (string? check, IDoctorReports monitor, DoctorService doctor, CancellationToken ct) =>
        {
            if (check is null) return Results.Json(ReportView.From(await monitor.RunNowAsync(ct)), Json);
            if (!CheckIds.TryParse(check, out var id))
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["check"] = [UnknownCheck(check)] },
                    title: "The doctor query is not valid");
            return Results.Json(ReportView.From(await doctor.RunAsync(id, ct)), Json);
        })
            .WithSummary("Run the doctor's checks (all, or ?check=ID) and answer the report, worst first")
            .Produces<ReportView>().ProducesValidationProblem();

        group.MapGet("/history", async (int? page, int? pageSize, IDoctorReports monitor, CancellationToken ct) =>
            NatGateway.Core.Paging.Paging.Validate(page, pageSize) is var (p, size, errors) && errors is not null
                ? Results.ValidationProblem(errors, title: "The paging parameters are not valid")
                : Results.Json(HistoryPage.From(await monitor.HistoryPageAsync(p, size, ct)), Json))
            .WithSummary("Check status changes, newest first, one page").Produces<HistoryPage>().ProducesValidationProblem();

        // POST /api/v1/doctor/fixes {"check": "forwarding-off", "fix": 0, "confirmWithinSeconds": 60} (or "kind": "EnableForwarding")
        group.MapPost("/fixes", async (HttpContext http, DoctorFixService fixes, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            using var document = JsonDocument.Parse(body.Text);
            var (request, errors) = FixRequest.Parse(document.RootElement);
            if (request is null) return Results.ValidationProblem(errors, title: "The fix request is not valid");
            try
            {
                var actor = http.User.ActorName();
                var window = request.ConfirmWithinSeconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
                var outcome = request.Index is { } index
                    ? await fixes.ApplyAsync(request.Check, index, actor, window, ct)
                    : await fixes.ApplyAsync(request.Check, request.Kind!.Value, actor, window, ct);
                AuditMiddleware.Note(http, $"{CheckIds.Text(outcome.Check)}: {outcome.Fix.Kind}, revision {outcome.Revision.Id}");
                return Results.Json(new FixApplied(outcome.Revision.Id, outcome.Revision.State, outcome.Revision.ConfirmBy,
                    CheckIds.Text(outcome.Check), FixView.From(outcome.Fix), outcome.Revision.Outcome), Json);
            }
            catch (DoctorFixUnavailableException e)
            {
                return Results.Problem(title: "The check no longer offers this fix", detail: e.Message, statusCode: StatusCodes.Status409Conflict);
            }
            catch (DoctorFixRefusedException e)
            {
                return Results.Problem(title: "The fix cannot be applied now", detail: e.Message, statusCode: StatusCodes.Status409Conflict);
            }
            catch (ConfirmationPendingException e)
            {
                return ApplyProblems.Pending(e);
            }
            catch (SettingsApplyException e)
            {
                return ApplyProblems.KernelRefused(e);
            }
            catch (InterfaceFixApplyException e)
            {
                // The driver refused (LRO fixed on, the interface gone): the step undid what it changed.
                return Results.Problem(title: $"The interface fix on {e.Interface} could not be applied; nothing was changed", detail: e.Message,
                    statusCode: StatusCodes.Status409Conflict, extensions: new Dictionary<string, object?> { ["interface"] = e.Interface });
            }
            catch (ArgumentException e) when (e.ParamName == "interfaceName")
            {
                // RevisionService.ApplyOffloadsAsync / ApplyMssClampAsync: the fix names no single valid interface.
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["interface"] = [e.Message.Replace($" (Parameter '{e.ParamName}')", "")] },
                    title: "The fix does not name one valid interface");
            }
            catch (NftablesException e)
            {
                return Results.Problem(title: "nftables refused the ruleset; the kernel is unchanged", detail: e.NftError, statusCode: 422);
            }
        }).RequireRole(Role.Admin)
            .WithSummary("Apply a fix a check offers (one commit-confirmed revision)")
            .AcceptsJson<FixRequestBody>().Produces<FixApplied>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static string UnknownCheck(string text) =>
        $"unknown check '{text}'; the checks are: {string.Join(", ", Enum.GetValues<CheckId>().Select(CheckIds.Text))}";

    /// <summary>POST /api/v1/doctor/fixes, parsed: the check, the fix by index or by kind, the confirmation window.</summary>
    internal sealed record FixRequest(CheckId Check, int? Index, FixKind? Kind, int? ConfirmWithinSeconds)
    {
        public static (FixRequest? Request, Dictionary<string, string[]> Errors) Parse(JsonElement root)
        {
            var errors = new Dictionary<string, string[]>();
            if (root.ValueKind != JsonValueKind.Object) return (null, new() { ["body"] = ["a JSON object is required"] });
            CheckId check = default;
            int? index = null;
            FixKind? kind = null;
            int? confirm = null;
            var sawCheck = false;
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "check":
                        sawCheck = true;
                        if (p.Value.ValueKind != JsonValueKind.String || !CheckIds.TryParse(p.Value.GetString(), out check))
                            errors["check"] = [p.Value.ValueKind == JsonValueKind.String ? UnknownCheck(p.Value.GetString()!) : "a check id (text) is required"];
                        break;
                    case "fix":
                        if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var i) && i >= 0) index = i;
                        else errors["fix"] = ["the index of the fix in the check's fixes (0 or more)"];
                        break;
                    case "kind":
                        if (p.Value.ValueKind == JsonValueKind.String && Enum.TryParse<FixKind>(p.Value.GetString(), ignoreCase: true, out var k)
                            && Enum.IsDefined(k) && !int.TryParse(p.Value.GetString(), out _))
                            kind = k;
                        else errors["kind"] = [$"one of: {string.Join(", ", Enum.GetNames<FixKind>())}"];
                        break;
                    case "confirmWithinSeconds":
                        if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var c) && c is >= 5 and <= 3600) confirm = c;
                        else errors["confirmWithinSeconds"] = ["must be between 5 and 3600"];
                        break;
                    default:
                        errors[p.Name] = ["unknown field; the fields are check, fix, kind and confirmWithinSeconds"];
                        break;
                }
            }
            if (!sawCheck) errors["check"] = ["required: the check id, e.g. \"forwarding-off\""];
            if (!root.TryGetProperty("fix", out _) && !root.TryGetProperty("kind", out _)) errors["fix"] = ["give the fix's index (\"fix\") or its kind (\"kind\")"];
            else if (root.TryGetProperty("fix", out _) && root.TryGetProperty("kind", out _)) errors["kind"] = ["give \"fix\" or \"kind\", not both"];
            return errors.Count > 0 ? (null, errors) : (new FixRequest(check, index, kind, confirm), errors);
        }
    }

    // ---- shapes (the report as GET /api/v1/doctor answers it; also the OpenAPI document) ----

    public sealed record FixRequestBody(string Check, int? Fix, FixKind? Kind, int? ConfirmWithinSeconds);

    public sealed record FixApplied(long RevisionId, RevisionState State, DateTimeOffset? ConfirmBy, string Check, FixView Fix, string? Outcome);

    public sealed record EvidenceView(string Name, string Value, string Source);

    public sealed record FixTargetView(Guid? RuleId, string? Interface, NatFamily? Family, string? Ports, string? TimeoutKey, long? Value, long? Buckets);

    public sealed record FixView(FixKind Kind, string Label, string Description, FixTargetView Target)
    {
        public static FixView From(DoctorFix f) => new(f.Kind, f.Label, f.Description,
            new FixTargetView(f.Target.RuleId, f.Target.Interface, f.Target.Family, f.Target.Ports, f.Target.TimeoutKey, f.Target.Value, f.Target.Buckets));
    }

    public sealed record CheckView(string Id, CheckArea Area, CheckStatus Status, string Title, string Summary, string Explanation,
        IReadOnlyList<EvidenceView> Evidence, IReadOnlyList<FixView> Fixes);

    public sealed record ReportView(DateTimeOffset At, CheckStatus Worst, int Problems, IReadOnlyList<CheckView> Checks)
    {
        public static ReportView From(DoctorReport r) => new(r.At, r.Worst, r.Problems, r.Checks.Select(c => new CheckView(
            CheckIds.Text(c.Id), c.Area, c.Status, c.Title, c.Summary, c.Explanation,
            c.Evidence.Select(e => new EvidenceView(e.Name, e.Value, e.Source)).ToList(),
            c.Fixes.Select(FixView.From).ToList())).ToList());
    }

    public sealed record StatusChangeView(long Id, string Check, CheckStatus? From, CheckStatus To, string Summary, DateTimeOffset At);

    public sealed record HistoryPage(IReadOnlyList<StatusChangeView> Items, int Page, int PageSize, int TotalCount, int PageCount)
    {
        public static HistoryPage From(NatGateway.Core.Paging.PagedList<DoctorStatusChange> p) => new(
            p.Items.Select(c => new StatusChangeView(c.Id, CheckIds.Text(c.Check), c.From, c.To, c.Summary, c.At)).ToList(),
            p.Page, p.PageSize, p.TotalCount, p.PageCount);
    }
}
