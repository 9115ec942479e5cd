using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;

namespace NatGateway.Web.Hosting;

/// <summary>
/// What an exception becomes for the client. API requests, and any request that is not a GET/HEAD, get ProblemDetails
/// JSON here: a malformed request (a query value that does not bind, a body over the size limit) is a 4xx naming the
/// parameter, anything else a 500 without internals. Only page GETs fall through to the /Error page, which is
/// re-executed as a GET; re-executing a PUT or POST would reach no endpoint and answer 405.
/// </summary>
internal sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var request = http.Request;
        // With an error path configured the middleware has already pointed Request.Path at it; the feature keeps the original.
        var path = new PathString(http.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? request.Path.Value);
        var isApi = path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);
        if (!isApi && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))) return false;

        IResult result;
        if (exception is BadHttpRequestException bad)
        {
            var field = ParameterName().Match(bad.Message) is { Success: true } m ? m.Groups["name"].Value : "request";
            result = Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [bad.Message] },
                title: "The request is not valid", statusCode: bad.StatusCode);
        }
        else if (exception is NatGateway.Core.Kernel.KernelUnavailableException unavailable)
        {
            // Agent mode with the agent down or restarting: a state, not a bug. The client may retry; the web reconnects
            // by itself (IKernelAvailability) and the revision recovery runs when the agent answers again.
            logger.LogWarning("{Method} {Path}: the kernel is unavailable: {Reason}", request.Method, path.Value, unavailable.Reason);
            http.Response.Headers.RetryAfter = KernelRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            result = Results.Problem(title: "The kernel agent is not answering",
                detail: $"{unavailable.Reason}. Nothing more was changed; retry when the agent is back.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                extensions: new Dictionary<string, object?> { ["reason"] = unavailable.Reason });
        }
        else if (exception is NatGateway.Core.Cluster.Sync.BackupNodeRefusesChangesException backup)
        {
            // HA pair: the change belongs on the primary (it replicates here); nothing was changed.
            result = Results.Problem(title: "This node is the backup", detail: backup.Message, statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["reason"] = backup.Message });
        }
        else
        {
            logger.LogError(exception, "{Method} {Path} failed", request.Method, path.Value);
            result = Results.Problem(title: "natgw could not complete the request",
                detail: "an internal error occurred; the log of natgw has the details", statusCode: StatusCodes.Status500InternalServerError);
        }
        await result.ExecuteAsync(http);
        return true;
    }

    /// <summary>Retry-After of a 503 for an unavailable kernel: the agent client reconnects within about this long.</summary>
    internal const int KernelRetryAfterSeconds = 5;

    /// <summary>Minimal API binding messages: <c>Failed to bind parameter "int? page" from "x".</c></summary>
    [GeneratedRegex("""parameter "(?:[^"]* )?(?<name>[^" ]+)" """, RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();
}
