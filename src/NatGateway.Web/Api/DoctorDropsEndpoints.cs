using NatGateway.Core.Doctor;
using NatGateway.Data.Entities;
using NatGateway.Web.Access;

namespace NatGateway.Web.Api;

/// <summary>
/// /api/v1/doctor/drops: the modern dropwatch over HTTP. POST runs a capture of <c>skb:kfree_skb</c> for 1–60 seconds
/// (operator: it costs CPU for its whole duration, and only one runs at a time) and answers with the counts by reason
/// and by location; GET answers the latest capture.
/// </summary>
public static class DoctorDropsEndpoints
{
    /// <summary>The answer: a capture's counts, most first.</summary>
    public sealed record DropCaptureBody(double DurationSeconds, int RequestedSeconds, long Events, bool Truncated,
        DateTimeOffset FinishedAt, IReadOnlyList<DropCountBody> ByReason, IReadOnlyList<DropCountBody> ByLocation);

    public sealed record DropCountBody(string Name, long Count);

    /// <summary>The request: <c>{"seconds": 10}</c>.</summary>
    public sealed record DropCaptureRequest(int Seconds);

    public static void MapDoctorDropsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/doctor/drops").DisableAntiforgery();

        // POST /api/v1/doctor/drops {"seconds": 10}
        group.MapPost("", async (HttpContext http, DropCaptureService captures, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            if (!body.Root.TryGetProperty("seconds", out var value))
                return Invalid("seconds", "is required (1 to 60)");
            if (value.ValueKind != System.Text.Json.JsonValueKind.Number || !value.TryGetInt32(out var seconds))
                return Invalid("seconds", "must be a whole number of seconds");
            foreach (var property in body.Root.EnumerateObject())
                if (property.Name != "seconds") return Invalid(property.Name, "is not a field of a capture request (only \"seconds\")");
            if (DropCaptureService.Validate(seconds) is { } error) return Invalid("seconds", error);
            try
            {
                var run = await captures.CaptureAsync(seconds, ct);
                AuditMiddleware.Note(http, $"{run.Capture.Events} drops in {seconds} s");
                return Results.Ok(Body(run));
            }
            catch (DropCaptureRunningException e)
            {
                return Results.Problem(title: "A capture is running", detail: e.Message, statusCode: StatusCodes.Status409Conflict,
                    extensions: new Dictionary<string, object?> { ["startedAt"] = e.StartedAt, ["seconds"] = e.Seconds });
            }
            catch (NotSupportedException e)
            {
                return Unsupported(e.Message);
            }
        }).RequireRole(Role.Operator)
            .WithSummary("Capture packet drops (skb:kfree_skb) for 1-60 seconds: counts by drop reason and location")
            .AcceptsJson<DropCaptureRequest>().Produces<DropCaptureBody>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status501NotImplemented);

        group.MapGet("", (DropCaptureService captures) => captures.Latest is { } run
                ? Results.Ok(Body(run))
                : Results.Problem(title: "No capture yet", detail: "no drop capture has run since natgw started; POST one",
                    statusCode: StatusCodes.Status404NotFound))
            .RequireRole(Role.Viewer)
            .WithSummary("The latest drop capture").Produces<DropCaptureBody>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>501: this host cannot capture (no tracefs, no tracepoint, or no permission to mount tracefs): not a
    /// passing outage, so not 503; the reason says which.</summary>
    private static IResult Unsupported(string reason) =>
        Results.Problem(title: "Drop capture is not available on this host", detail: reason,
            statusCode: StatusCodes.Status501NotImplemented, extensions: new Dictionary<string, object?> { ["reason"] = reason });

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The capture request is not valid");

    public static DropCaptureBody Body(DropCaptureRun run) => new(
        Math.Round(run.Capture.Duration.TotalSeconds, 3), run.RequestedSeconds, run.Capture.Events, run.Capture.Truncated, run.FinishedAt,
        run.Capture.ByReason.Select(c => new DropCountBody(c.Name, c.Count)).ToList(),
        run.Capture.ByLocation.Select(c => new DropCountBody(c.Name, c.Count)).ToList());
}
