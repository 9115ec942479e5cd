using NatGateway.Core.Cluster.Sync;

namespace NatGateway.Web.Cluster;

/// <summary>
/// On the backup of an HA pair, the REST API refuses local changes to what the primary replicates (rules and the draft,
/// settings, capacity, import, rollback, re-apply, the doctor's fixes) with 409 and the reason, before anything runs.
/// Runs after authorization, so an unauthorized caller still gets 401/403. The apply pipeline refuses the same changes
/// again for every other caller (the pages).
/// </summary>
public sealed class BackupWriteGuard(RequestDelegate next, ClusterRoleGate role)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && IsReplicatedChange(http.Request.Path)
            && role.Configured && role.LocalChangeRefusal() is { } reason)
        {
            await Results.Problem(title: "This node is the backup", detail: reason, statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["reason"] = reason }).ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    /// <summary>State the primary replicates. Purging a rule's connections is local (conntrack), so it stays allowed.</summary>
    internal static bool IsReplicatedChange(PathString path)
    {
        if (path.StartsWithSegments("/api/v1/rules", StringComparison.OrdinalIgnoreCase, out var rest))
            return !rest.Value!.EndsWith("/purge", StringComparison.OrdinalIgnoreCase);
        return path.StartsWithSegments("/api/v1/settings", StringComparison.OrdinalIgnoreCase)
               || path.StartsWithSegments("/api/v1/capacity/apply", StringComparison.OrdinalIgnoreCase)
               || path.StartsWithSegments("/api/v1/config/import", StringComparison.OrdinalIgnoreCase)
               || path.StartsWithSegments("/api/v1/doctor/fixes", StringComparison.OrdinalIgnoreCase)
               || (path.StartsWithSegments("/api/v1/revisions", StringComparison.OrdinalIgnoreCase)
                   && path.Value!.EndsWith("/rollback", StringComparison.OrdinalIgnoreCase));
    }
}
