using Microsoft.AspNetCore.Components.Server.Circuits;

namespace NatGateway.Web.Components;

/// <summary>
/// Whether this circuit's browser is connected. A circuit whose connection drops without the browser's disconnect
/// beacon (a lost network, a tab killed, a laptop lid closed) is kept for <c>DisconnectedCircuitRetentionPeriod</c>
/// (3 minutes by default) so the browser can come back; its pages stay subscribed meanwhile. Live feeds that read the
/// kernel for their subscribers (the rule counters: every element of the table, hundreds of ms at 10,000 rules) ask
/// this before reading for a page nobody sees.
/// </summary>
public sealed class CircuitPresence : CircuitHandler
{
    private volatile bool _connected = true;

    /// <summary>True until the connection goes down, and again once it is back.</summary>
    public bool Connected => _connected;

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        _connected = true;
        return Task.CompletedTask;
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        _connected = false;
        return Task.CompletedTask;
    }
}
