using NatGateway.Data.Entities;

namespace NatGateway.Core.Revisions;

/// <summary>How one run of the <see cref="ApplyPipeline"/> ended.</summary>
public enum ApplyOutcome
{
    /// <summary>The revision is in force (applied, or pending confirmation).</summary>
    Applied,
    /// <summary>Refused before the kernel was touched: invalid rules, or another change waits for confirmation.</summary>
    Refused,
    /// <summary>The kernel refused a step (nftables batch, a sysctl); the kernel was left as it was.</summary>
    Failed,
    /// <summary>The kernel side (agent) went away mid-apply; recovery restores the revision in force.</summary>
    Interrupted,
    /// <summary>Anything else went wrong (a database error, a bug).</summary>
    Error,
}

/// <summary>One finished run of the pipeline: what kind of change it was, how long it took and how it ended.</summary>
public readonly record struct ApplyObservation(RevisionKind Kind, TimeSpan Duration, ApplyOutcome Outcome);

/// <summary>
/// Told about every run of the <see cref="ApplyPipeline"/> after it ends (the metrics' apply duration histogram and
/// failure counter). Called on the applying thread inside the pipeline's lock: it must be quick and must not throw.
/// </summary>
public interface IApplyObserver
{
    void Observe(ApplyObservation observation);
}
