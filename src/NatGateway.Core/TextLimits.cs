namespace NatGateway.Core;

/// <summary>
/// How long the free text natgw stores may be. Without a limit one 20 M-character revision comment grew the database by
/// 27 MB and every revision list with it; these bound what a single request can make the database and every page carry.
/// Rule names have their own limit (<see cref="NatGateway.Nat.NatRuleValidator.MaxNameLength"/>).
/// </summary>
public static class TextLimits
{
    /// <summary>Revision comments (apply, rollback): the database column is sized to this.</summary>
    public const int MaxCommentLength = 1000;

    /// <summary>Who made a change (revisions, settings history): a user or token name plus the address it came from.</summary>
    public const int MaxActorLength = 256;

    /// <summary>The error for a comment over the limit, or null (the same words in the API and the editors).</summary>
    public static string? CommentError(string? comment) =>
        comment is { Length: > MaxCommentLength } ? $"must be at most {MaxCommentLength} characters (this one has {comment.Length})" : null;

    /// <summary>Actors are made by natgw, not typed; cut rather than refuse, so a long user name never blocks a change.</summary>
    public static string? Actor(string? actor) => actor is { Length: > MaxActorLength } ? actor[..MaxActorLength] : actor;
}
