namespace NatGateway.Nat;

/// <summary>
/// One entry of the ordered NAT rule list. The list order (and <see cref="Position"/>) is the
/// first-match order: for a given packet the first enabled matching rule translates it.
/// </summary>
public abstract record NatRule
{
    public Guid Id { get; init; } = RandomGuid.New();
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public bool Enabled { get; init; } = true;
    /// <summary>Place in the ordered list (0 first). The compiler trusts the order of the list it is given.</summary>
    public int Position { get; init; }
    public NatFamily Family { get; init; } = NatFamily.Ipv4;
    /// <summary>
    /// Small stable number written into the conntrack mark of every flow this rule translates
    /// (see <see cref="MarkIdAllocator"/>); 0 = not assigned yet. Survives reordering and edits.
    /// </summary>
    public int MarkId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public string? CreatedBy { get; init; }
    public string? UpdatedBy { get; init; }
    /// <summary>Conntrack timeouts for the flows this rule translates; null = the kernel's defaults.</summary>
    public ConntrackTimeoutPolicy? Timeouts { get; init; }

    public abstract NatRuleKind Kind { get; }
}
