using NatGateway.Conntrack;

namespace NatGateway.Web.Components.Conntrack;

/// <summary>A grid row: one flow, identified by its conntrack id so a selection survives reloads of the page.</summary>
public sealed class FlowRow(Flow flow) : IEquatable<FlowRow>
{
    public Flow Flow { get; } = flow;
    public uint Id => Flow.Id;

    public bool Equals(FlowRow? other) => other is not null && other.Id == Id;
    public override bool Equals(object? obj) => Equals(obj as FlowRow);
    public override int GetHashCode() => Id.GetHashCode();
}
