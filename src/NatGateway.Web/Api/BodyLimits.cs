using Microsoft.AspNetCore.Http.Metadata;

namespace NatGateway.Web.Api;

/// <summary>
/// How large a request body may be. Kestrel's <c>MaxRequestBodySize</c> is set to <see cref="Default"/> for every request
/// (API, the /login form, anything); an endpoint that needs more says so with <see cref="WithBodyLimit"/>, which the
/// routing middleware applies to Kestrel's limit before the endpoint runs (ASP.NET Core honours
/// <see cref="IRequestSizeLimitMetadata"/> on minimal API endpoints), and <see cref="JsonBody"/> reads up to the same limit.
/// Measured before limits: 100 concurrent 24 MB POSTs took natgw from 0.3 GB to 11.2 GB.
/// </summary>
public static class BodyLimits
{
    /// <summary>1 MiB: a rule, a settings change or apply options are a few hundred bytes.</summary>
    public const long Default = 1L << 20;

    /// <summary>
    /// 16 MiB for <c>POST /api/v1/config/import</c>: a document of 10,000 rules is about 3.5 MB as natgw exports it
    /// (about 350 bytes a rule) and under 8 MB pretty-printed with every optional field, so this holds the largest
    /// rule list natgw is sized for with room to spare, and one import still costs well under 100 MB to parse.
    /// </summary>
    public const long Import = 16L << 20;

    /// <summary>
    /// <c>POST /api/v1/rules/batch</c>: the same as <see cref="Import"/>, for the same reason (a batch is an import's rules
    /// list, up to <see cref="RuleBatchRequest.MaxRules"/> rules).
    /// </summary>
    public const long Batch = Import;

    /// <summary>The limit of the endpoint this request was routed to.</summary>
    public static long For(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? Default;

    /// <summary>Gives one endpoint a body limit other than <see cref="Default"/>.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Limit(bytes));

    /// <summary>In human units for messages: "1 MiB", "16 MiB".</summary>
    public static string Describe(long bytes) => bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";

    private sealed record Limit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
}
