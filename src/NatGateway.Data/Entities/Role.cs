namespace NatGateway.Data.Entities;

/// <summary>
/// What an account or API token may do. Ordered: each role includes everything the ones below it may do.
/// Stored by name, so the numbers may change without a migration.
/// </summary>
public enum Role
{
    /// <summary>Reads every page and endpoint.</summary>
    Viewer = 0,
    /// <summary>Also deletes conntrack entries, confirms pending changes and runs read-only diagnostics.</summary>
    Operator = 1,
    /// <summary>Also rules, settings, capacity, rollback, import, users and tokens.</summary>
    Admin = 2,
}
