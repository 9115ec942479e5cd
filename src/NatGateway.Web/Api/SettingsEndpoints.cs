using NatGateway.Core.Kernel;
using NatGateway.Core.Settings;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using NatGateway.Web.Access;

namespace NatGateway.Web.Api;

/// <summary>GET/PUT /api/v1/settings: forwarding and rp_filter (<c>sysctl -w net.ipv4.ip_forward=1</c> over HTTP).</summary>
public static class SettingsEndpoints
{
    public static void MapSettingsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/settings").DisableAntiforgery();

        group.MapGet("", (KernelSettingsService settings) => Results.Ok(settings.Read()))
            .WithSummary("Kernel settings in force (ip_forward, rp_filter)").Produces<KernelSettingsView>();

        group.MapPut("", async (HttpContext http, KernelSettingsService settings, NatGateway.Core.Revisions.RevisionService revisions, int? confirmWithinSeconds, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            var (update, errors) = SettingsUpdateParser.Parse(body.Text);
            if (update is null) return Results.ValidationProblem(errors, title: "The settings change is not valid");
            if (update.IsEmpty && !update.Persist)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["nothing to change: give ipv4Forwarding, ipv6Forwarding or rpFilter"] });
            errors = settings.Validate(update);
            if (errors.Count > 0) return Results.ValidationProblem(errors, title: "The settings change is not valid");
            try
            {
                if (confirmWithinSeconds is < 5 or > 3600)
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["confirmWithinSeconds"] = ["must be between 5 and 3600"] });
                var revision = await revisions.ApplySettingsAsync(update, Actor(http),
                    confirmWithinSeconds is { } s ? TimeSpan.FromSeconds(s) : null, ct);
                AuditMiddleware.Note(http, $"revision {revision.Id}");
                return Results.Ok(new { revisionId = revision.Id, state = revision.State, confirmBy = revision.ConfirmBy, current = settings.Read() });
            }
            catch (NatGateway.Core.Revisions.ConfirmationPendingException e)
            {
                return ApplyProblems.Pending(e);
            }
            catch (SettingsApplyException e)
            {
                return ApplyProblems.KernelRefused(e);
            }
        }).RequireRole(Role.Admin)
            .WithSummary("Change kernel settings (a revision; optional confirmWithinSeconds query for a safe apply)")
            .AcceptsJson<SettingsChangeRequest>().Produces<SettingsApplied>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/history", async (int? page, int? pageSize, KernelSettingsService settings, CancellationToken ct) =>
            NatGateway.Core.Paging.Paging.Validate(page, pageSize) is var (p, size, errors) && errors is not null
                ? Results.ValidationProblem(errors, title: "The paging parameters are not valid")
                : Results.Ok(await settings.HistoryPageAsync(p, size, ct)))
            .WithSummary("History of kernel setting changes (newest first), one page").Produces<NatGateway.Core.Paging.PagedList<SettingChange>>().ProducesValidationProblem();
    }

    /// <summary>The signed-in user or token ("token NAME") authors revisions; the address goes to the audit log.</summary>
    private static string Actor(HttpContext http) => http.User.ActorName();
}
