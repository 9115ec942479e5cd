namespace NatGateway.Core.Doctor;

/// <summary>What a fix changes. Each kind is carried out by <c>DoctorFixService</c> as one revision (commit-confirmed).</summary>
public enum FixKind
{
    /// <summary>Apply the planner's nf_conntrack_max and buckets (a capacity revision).</summary>
    SizeWithPlanner,
    /// <summary>Add the fully-random option to a masquerade/SNAT rule.</summary>
    SnatFullyRandom,
    /// <summary>Widen a masquerade/SNAT rule's port range (<see cref="FixTarget.Ports"/>).</summary>
    SnatWiderPortRange,
    /// <summary>Turn forwarding on for a family.</summary>
    EnableForwarding,
    /// <summary>rp_filter loose (2) on an interface (or all).</summary>
    LooseRpFilter,
    /// <summary>Turn LRO off on an interface, kept as a setting of the revision.</summary>
    DisableLro,
    /// <summary>An MSS-clamp rule in our table for traffic leaving an interface.</summary>
    ClampMss,
    /// <summary>Shorten a conntrack timeout (<see cref="FixTarget.TimeoutKey"/>, <see cref="FixTarget.Value"/>).</summary>
    ShortenTimeout,
}

/// <summary>What a fix acts on; only the members its <see cref="FixKind"/> uses are set.</summary>
public sealed record FixTarget
{
    public Guid? RuleId { get; init; }
    public string? Interface { get; init; }
    public NatGateway.Nat.NatFamily? Family { get; init; }
    /// <summary>A port range in the rules' syntax ("1024-65535").</summary>
    public string? Ports { get; init; }
    /// <summary>A conntrack sysctl name (nf_conntrack_udp_timeout).</summary>
    public string? TimeoutKey { get; init; }
    public long? Value { get; init; }
    public long? Buckets { get; init; }
}

/// <summary>A fix a check offers: the kind, a button label, what it will do in words, and its target.</summary>
public sealed record DoctorFix(FixKind Kind, string Label, string Description, FixTarget Target);
