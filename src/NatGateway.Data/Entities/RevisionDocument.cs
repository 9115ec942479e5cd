namespace NatGateway.Data.Entities;

/// <summary>
/// One large revision document (rules array, libnftables JSON, ruleset text, readable diff), stored once however many
/// revisions hold it: keyed by the SHA-256 of its text, so a settings-only revision or a rollback reuses the documents
/// of the one before instead of copying megabytes.
/// </summary>
public sealed class RevisionDocument
{
    /// <summary>Lower-case hex SHA-256 of the document's UTF-8 text (<c>DocumentCodec.Hash</c>).</summary>
    public required string Hash { get; set; }
    /// <summary>The UTF-8 text, Brotli-compressed (<c>DocumentCodec.Pack</c>): 10,000 rules shrink about tenfold.</summary>
    public required byte[] Content { get; set; }
    /// <summary>Length of the uncompressed UTF-8 text in bytes.</summary>
    public int Length { get; set; }
}
