using NatGateway.Core.Kernel;
using NatGateway.Core.Revisions;
using NatGateway.Core.Settings;

namespace NatGateway.Web.Api;

/// <summary>The ProblemDetails every apply endpoint (rules, settings, capacity, rollback) answers with for the same failures.</summary>
internal static class ApplyProblems
{
    /// <summary>409: another change still waits for confirmation.</summary>
    public static IResult Pending(ConfirmationPendingException e) =>
        Results.Problem(title: "A change is waiting for confirmation", detail: e.Message, statusCode: StatusCodes.Status409Conflict);

    /// <summary>400 when the kernel rejected the value (EINVAL), 409 when the key is read-only or missing; names the field.</summary>
    public static IResult KernelRefused(SettingsApplyException e) =>
        Results.Problem(title: "The kernel refused the change", detail: e.Message,
            statusCode: e.Failure == SysctlFailure.Rejected ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict,
            extensions: new Dictionary<string, object?> { ["field"] = e.Field });
}
