namespace NatGateway.Core.Access;

/// <summary>Rules for user and token names and for passwords, shared by the CLI, the API and the pages.</summary>
public static class AccountNames
{
    public const int MaxNameLength = 64;
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 256;

    /// <summary>Null when <paramref name="name"/> is a valid user or token name, else the reason in words.</summary>
    public static string? ValidateName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "A name is required.";
        if (name.Length > MaxNameLength) return $"At most {MaxNameLength} characters.";
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@'))
                return "Letters, digits, '.', '_', '-' and '@' only.";
        return null;
    }

    /// <summary>Null when <paramref name="password"/> is acceptable, else the reason in words.</summary>
    public static string? ValidatePassword(string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength) return $"At least {MinPasswordLength} characters.";
        if (password.Length > MaxPasswordLength) return $"At most {MaxPasswordLength} characters.";
        return null;
    }
}
