namespace NatGateway.Core.Revisions;

/// <summary>Commit-confirmed defaults for changes made from the browser (<c>natgw serve --confirm-window SECONDS</c>).</summary>
public sealed class SafeApplyOptions
{
    public TimeSpan ConfirmWindow { get; set; } = TimeSpan.FromSeconds(60);
}
