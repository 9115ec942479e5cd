using Microsoft.AspNetCore.Components;
using NatGateway.Core.Tracing;
using NatGateway.Web.Components.Trace;
using Role = NatGateway.Data.Entities.Role;

namespace NatGateway.Web.Components.Pages;

/// <summary>
/// The Trace page: a probe form (field errors at the field, from the same parser as the API and <c>natgw trace</c>), the
/// static answer per hook, and the live trace for N seconds with its hops, ours and foreign; a refusal is shown plainly.
/// Operator, as <c>POST /api/v1/trace</c>; the role is checked again before each action.
/// </summary>
public partial class Trace
{
    [Inject] private IPacketTracer Tracer { get; set; } = default!;

    private bool _busy;

    /// <summary>What the page shows; tests assert on it.</summary>
    internal TraceViewModel Model { get; private set; } = default!;

    protected override void OnInitialized() => Model = new TraceViewModel(Tracer);

    internal async Task ExplainAsync()
    {
        if (!await PermitAsync(Role.Operator, "tracing a packet", record: false)) return;
        _busy = true;
        try { await Model.ExplainAsync(); }
        finally { _busy = false; }
    }

    internal async Task TraceLiveAsync()
    {
        if (!await PermitAsync(Role.Operator, "tracing packets live")) return;
        _busy = true;
        StateHasChanged();
        try { await Model.TraceLiveAsync(); }
        finally { _busy = false; }
    }
}
