using System.Globalization;
using System.Text.Json;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using NatGateway.Web.Access;

namespace NatGateway.Web.Api;

/// <summary>
/// /api/v1/tokens: list, create (the secret is in the 201 answer and nowhere else, ever) and revoke API tokens.
/// Admin only, whether signed in or with an admin token.
/// </summary>
public static class TokensEndpoints
{
    /// <summary>A token as listed: never its secret or hash.</summary>
    public sealed record TokenView(long Id, string Name, string Role, DateTimeOffset CreatedAt, string? CreatedBy, DateTimeOffset? ExpiresAt,
        DateTimeOffset? LastUsedAt, string? LastUsedFrom, DateTimeOffset? RevokedAt, string State)
    {
        public static TokenView From(ApiToken t, DateTimeOffset now) => new(t.Id, t.Name, t.Role.Name(), t.CreatedAt, t.CreatedBy, t.ExpiresAt,
            t.LastUsedAt, t.LastUsedFrom, t.RevokedAt, ApiTokenService.StateOf(t, now).ToString().ToLowerInvariant());
    }

    /// <summary>POST body: give expiresInDays or expiresAt, or neither for a token that never expires.</summary>
    public sealed record CreateTokenRequest(string Name, string Role, int? ExpiresInDays, DateTimeOffset? ExpiresAt);

    /// <summary>201 answer: the secret, shown this once.</summary>
    public sealed record CreatedToken(TokenView Token, string Secret, string Note);

    public static void MapTokensApi(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/api/v1/tokens").DisableAntiforgery();

        tokens.MapGet("", async (ApiTokenService service, TimeProvider clock, CancellationToken ct) =>
        {
            var now = clock.GetUtcNow();
            return Results.Ok((await service.ListAsync(ct)).Select(t => TokenView.From(t, now)).ToList());
        }).RequireRole(Role.Admin)
            .WithSummary("API tokens with their last use (never the secrets)").Produces<List<TokenView>>();

        tokens.MapPost("", async (HttpContext http, ApiTokenService service, TimeProvider clock, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(http, ct);
            if (!body.IsValid) return body.Problem!;
            var (request, errors) = Parse(body.Root, clock.GetUtcNow());
            if (request is null) return Results.ValidationProblem(errors, title: "The token request is not valid");
            try
            {
                var created = await service.CreateAsync(request.Value.Name, request.Value.Role, request.Value.ExpiresAt, http.User.ActorName(), ct);
                return Results.Json(new CreatedToken(TokenView.From(created.Token, clock.GetUtcNow()), created.Secret,
                    "The secret is shown only in this answer; it cannot be read again."), statusCode: StatusCodes.Status201Created);
            }
            catch (AccessException e)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { [e.Field == "expires" ? "expiresAt" : e.Field] = [e.Message] },
                    title: "The token request is not valid");
            }
        }).RequireRole(Role.Admin)
            .WithSummary("Create an API token; the answer holds its secret, shown only this once").AcceptsJson<CreateTokenRequest>().Produces<CreatedToken>(StatusCodes.Status201Created).ProducesValidationProblem();

        tokens.MapDelete("/{id:long}", async (long id, HttpContext http, ApiTokenService service, CancellationToken ct) =>
            await service.RevokeAsync(id, http.User.ActorName(), ct)
                ? Results.NoContent()
                : Results.Problem(title: "No such token", detail: $"token {id} does not exist or is revoked already", statusCode: StatusCodes.Status404NotFound))
            .RequireRole(Role.Admin)
            .WithSummary("Revoke an API token").Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>Field by field, so every mistake is named at once.</summary>
    private static ((string Name, Role Role, DateTimeOffset? ExpiresAt)? Request, Dictionary<string, string[]> Errors) Parse(JsonElement root, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        var name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        if (AccountNames.ValidateName(name) is { } nameError) errors["name"] = [nameError];
        var roleText = root.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (!AccessClaims.TryParseRole(roleText, out var role)) errors["role"] = ["must be viewer, operator or admin"];
        DateTimeOffset? expiresAt = null;
        var hasDays = root.TryGetProperty("expiresInDays", out var d) && d.ValueKind != JsonValueKind.Null;
        var hasAt = root.TryGetProperty("expiresAt", out var a) && a.ValueKind != JsonValueKind.Null;
        string? error;
        if (hasDays && hasAt) errors["expiresAt"] = ["give expiresInDays or expiresAt, not both"];
        else if (hasDays)
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out var days)) errors["expiresInDays"] = ["must be a whole number of days"];
            else if (!TokenExpiry.FromDays(days, now, out expiresAt, out error)) errors["expiresInDays"] = [error!];
        }
        else if (hasAt)
        {
            if (a.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(a.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                errors["expiresAt"] = ["must be an ISO 8601 date or date and time, e.g. 2027-01-01T00:00:00Z"];
            else if (!TokenExpiry.At(at, now, out expiresAt, out error)) errors["expiresAt"] = [error!];
        }
        return errors.Count > 0 ? (null, errors) : ((name!, role, expiresAt), errors);
    }
}
