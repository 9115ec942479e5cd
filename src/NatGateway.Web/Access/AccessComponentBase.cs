using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NatGateway.Core.Access;
using NatGateway.Data.Entities;

namespace NatGateway.Web.Access;

/// <summary>
/// Base of every component whose controls change state. Rendering asks <see cref="Can"/> to disable what the signed-in
/// role cannot use; every handler that changes state starts with <see cref="PermitAsync"/>, because in Blazor Server the
/// handler calls the services directly: a tampered circuit must not get past a disabled button.
/// </summary>
public abstract class AccessComponentBase : ComponentBase
{
    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject] private ISnackbar RefusalSnackbar { get; set; } = default!;

    [Inject] private IServiceProvider AccessServices { get; set; } = default!;

    /// <summary>The signed-in user as the cascaded state says (anonymous, so nothing enabled, until it is known).
    /// On the server the state is known before the first render.</summary>
    protected ClaimsPrincipal User => AuthenticationState is { IsCompletedSuccessfully: true } state ? state.Result.User : Anonymous;

    protected bool Can(Role role) => User.Has(role);

    /// <summary>Who did it, for revisions and the settings history: the signed-in user's name.</summary>
    protected string Actor => User.ActorName();

    /// <summary>A tooltip for a control the user cannot use, or null when they can.</summary>
    protected string? NeedsText(Role role) => Can(role) ? null : NeedsRole(role);

    public static string NeedsRole(Role role) => $"Needs the {role.Name()} role";

    /// <summary>
    /// The server-side check before a change, against the current authentication state: true when the user holds
    /// <paramref name="role"/>; otherwise says so (snackbar), records the denial in the audit log, and returns false.
    /// A permitted change is recorded too (the browser's changes do not pass the API's audit middleware); the entry
    /// says it was allowed, and what the change did is in History (revisions name the user).
    /// </summary>
    /// <param name="role">The role the change needs.</param>
    /// <param name="action">What is asked, in words ("applying rules").</param>
    /// <param name="record">False for a step that changes nothing by itself (opening an editor).</param>
    protected async Task<bool> PermitAsync(Role role, string action, bool record = true)
    {
        var user = AuthenticationState is null ? Anonymous : (await AuthenticationState).User;
        // The audit log is registered in the app; component tests may run without it.
        var audit = AccessServices.GetService<AuditLog>();
        if (user.Has(role))
        {
            if (record && audit is not null)
                await audit.RecordAsync(user.ActorName(), null, $"ui {action}", AuditResult.Succeeded, "allowed; the outcome is in History");
            return true;
        }
        RefusalSnackbar.Add(RefusalText(user, role, action), Severity.Error);
        if (audit is not null)
            await audit.RecordAsync(user.ActorName(), null, $"ui {action}", AuditResult.Denied, $"needs {role.Name()}");
        return false;
    }

    public static string RefusalText(ClaimsPrincipal user, Role role, string action) =>
        $"Refused: {action} needs the {role.Name()} role; " +
        (user.HighestRole() is { } r ? $"{user.ActorName()} has the {r.Name()} role." : "nobody is signed in.");
}
