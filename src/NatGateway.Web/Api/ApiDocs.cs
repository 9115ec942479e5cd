using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;
using Scalar.AspNetCore;

namespace NatGateway.Web.Api;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) and its browsable reference (<c>/scalar</c>), both behind login
/// (the viewer fallback). Every operation says the role it needs as <c>x-natgw-role</c> and as a security requirement.
/// </summary>
public static class ApiDocs
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/scalar";
    public const string RoleExtension = "x-natgw-role";
    public const string BearerScheme = "bearer";
    public const string CookieScheme = "cookie";

    public static IServiceCollection AddApiDocs(this IServiceCollection services)
    {
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "NatGateway API";
                document.Info.Description = "NAT rules, kernel settings, revisions, conntrack, capacity and API tokens. " +
                    "Authenticate with `Authorization: Bearer natgw_...` (an API token) or the sign-in cookie. " +
                    $"Each operation's `{RoleExtension}` is the least role it needs (viewer < operator < admin).";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "natgw_PREFIX_SECRET",
                    Description = "An API token (natgw token create, the Tokens page or POST /api/v1/tokens).",
                };
                document.Components.SecuritySchemes[CookieScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Cookie, Name = Access.AccessControl.CookieName,
                    Description = "The sign-in cookie set by /login (unsafe methods also need a same-origin request).",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(async (operation, context, ct) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonRequestBody>().FirstOrDefault() is { } body)
                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = !body.Optional,
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.Type, null, ct) },
                        },
                    };
                foreach (var alternatives in context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonResponseOneOf>())
                {
                    var schemas = new List<IOpenApiSchema>();
                    foreach (var type in alternatives.Types) schemas.Add(await context.GetOrCreateSchemaAsync(type, null, ct));
                    operation.Responses ??= new OpenApiResponses();
                    operation.Responses[alternatives.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
                    {
                        Description = "OK",
                        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchema { OneOf = schemas } } },
                    };
                }
                var role = RequiredRole(context.Description.ActionDescriptor.EndpointMetadata);
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions[RoleExtension] = new JsonNodeExtension(JsonValue.Create(role?.Name() ?? "anonymous"));
                if (role is not null)
                {
                    operation.Security ??= [];
                    foreach (var scheme in new[] { BearerScheme, CookieScheme })
                        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
                    operation.Responses ??= new OpenApiResponses();
                    operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Not signed in, or the token is unknown, revoked or expired." });
                    if (role > Role.Viewer)
                        operation.Responses.TryAdd("403", new OpenApiResponse { Description = $"Signed in, but the role is below {role.Value.Name()}." });
                }
            });
        });
        return services;
    }

    /// <summary>
    /// Describes the JSON body a handler reads by hand (through <see cref="JsonBody"/>). Not <c>.Accepts&lt;T&gt;()</c>:
    /// that adds content-type matching to routing (415 before the handler runs), which would change what the API answers.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<TRequest>(this RouteHandlerBuilder builder, bool optional = false) =>
        builder.WithMetadata(new JsonRequestBody(typeof(TRequest), optional));

    /// <summary>A response whose JSON is one of several shapes (GET /api/v1/rules: the whole list, or one page of it).</summary>
    public static RouteHandlerBuilder ProducesJsonOneOf(this RouteHandlerBuilder builder, int statusCode, params Type[] types) =>
        builder.WithMetadata(new JsonResponseOneOf(statusCode, types));

    /// <summary>
    /// The least role an endpoint needs: the highest role policy among its authorization metadata; the fallback
    /// (viewer) when it names none; null when it allows anonymous access.
    /// </summary>
    public static Role? RequiredRole(IEnumerable<object> metadata)
    {
        var list = metadata.ToList();
        if (list.OfType<IAllowAnonymous>().Any()) return null;
        Role required = Role.Viewer;
        foreach (var data in list.OfType<IAuthorizeData>())
            if (AccessClaims.TryParseRole(data.Policy, out var r) && r > required) required = r;
        return required;
    }

    public static void MapApiDocs(this WebApplication app)
    {
        // Behind login like everything else (the fallback policy): the document lists every route.
        app.MapOpenApi(DocumentPath);
        // Scalar serves its script from the assembly (no CDN: appliances are often offline); a fresh nonce per
        // request marks its inline start-up script so a strict script-src can allow exactly that. Checked in Chromium:
        // under "script-src 'self' 'nonce-N'" (N = HttpContext.Items[ScalarOptions.NonceHttpContextItemKey]) the page
        // works with one relaxation, style-src 'unsafe-inline' (it injects style elements and attributes).
        app.MapScalarApiReference(ReferencePath, o => o
            .WithTitle("NatGateway API")
            .WithOpenApiRoutePattern(DocumentPath)
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .WithNonce());
    }
}

/// <summary>Endpoint metadata: the shape of the JSON request body, for the OpenAPI document only.</summary>
public sealed record JsonRequestBody(Type Type, bool Optional);

/// <summary>Endpoint metadata: a response that is one of several JSON shapes, for the OpenAPI document only.</summary>
public sealed record JsonResponseOneOf(int StatusCode, IReadOnlyList<Type> Types);
