namespace NatGateway.Data.Entities;

/// <summary>
/// The HA peers' shared secret (HMAC key of the configuration sync). One row at most, in a table of its own: never part
/// of a revision, a diff, an export or an API answer, so rollback and history never carry it.
/// </summary>
public sealed class ClusterSecret
{
    /// <summary>Always <see cref="SingleId"/>: the pair has one secret.</summary>
    public int Id { get; set; }
    public required byte[] Secret { get; set; }
    public DateTimeOffset SetAt { get; set; }
    public string? SetBy { get; set; }

    public const int SingleId = 1;
}
