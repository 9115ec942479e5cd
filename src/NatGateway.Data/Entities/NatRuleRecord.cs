namespace NatGateway.Data.Entities;

/// <summary>
/// One NAT rule of the desired state. The rule itself is stored as its REST JSON document (the domain
/// model owns its shape and validation); the columns beside it are what lists and lookups need.
/// </summary>
public sealed class NatRuleRecord
{
    public Guid Id { get; set; }
    /// <summary>First-match order: 0 first.</summary>
    public int Position { get; set; }
    public required string Kind { get; set; }
    public required string Name { get; set; }
    public bool Enabled { get; set; }
    /// <summary>Stable number written into the conntrack mark of flows this rule translates.</summary>
    public int MarkId { get; set; }
    public required string Document { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? CreatedBy { get; set; }
    public string? UpdatedBy { get; set; }
}
