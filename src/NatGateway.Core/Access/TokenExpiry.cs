using System.Globalization;

namespace NatGateway.Core.Access;

/// <summary>
/// A token's expiry as people write it: <c>90d</c> (days from now), <c>never</c>, or a date/time
/// (<c>2027-01-01</c>, midnight UTC; or ISO 8601 with an offset). Shared by the CLI, the API and the Tokens page.
/// </summary>
public static class TokenExpiry
{
    /// <summary>The longest expiry in days (ten years): a typo such as 90000d is refused.</summary>
    public const int MaxDays = 3650;

    /// <summary>Parses <paramref name="text"/>; null text or empty means never. False with the reason when unreadable or past.</summary>
    public static bool TryParse(string? text, DateTimeOffset now, out DateTimeOffset? expiresAt, out string? error)
    {
        expiresAt = null;
        error = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Equals("never", StringComparison.OrdinalIgnoreCase)) return true;
        if (text.EndsWith('d') && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var days))
            return FromDays(days, now, out expiresAt, out error);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) && text.Contains('-'))
            return At(at, now, out expiresAt, out error);
        error = "Give a number of days (90d), never, or a date (2027-01-01).";
        return false;
    }

    public static bool FromDays(int days, DateTimeOffset now, out DateTimeOffset? expiresAt, out string? error)
    {
        expiresAt = null;
        error = null;
        if (days is < 1 or > MaxDays)
        {
            error = $"The number of days must be between 1 and {MaxDays}.";
            return false;
        }
        expiresAt = now.AddDays(days);
        return true;
    }

    public static bool At(DateTimeOffset at, DateTimeOffset now, out DateTimeOffset? expiresAt, out string? error)
    {
        expiresAt = null;
        error = null;
        if (at <= now)
        {
            error = "The expiry is in the past.";
            return false;
        }
        if (at > now.AddDays(MaxDays))
        {
            error = $"At most {MaxDays} days ahead.";
            return false;
        }
        expiresAt = at.ToUniversalTime();
        return true;
    }
}
