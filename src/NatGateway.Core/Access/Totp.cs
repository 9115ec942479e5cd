using OtpNet;

namespace NatGateway.Core.Access;

/// <summary>RFC 6238 codes (30 s, 6 digits, SHA-1: what every authenticator app reads from an otpauth:// URI).</summary>
public static class Totp
{
    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));

    /// <summary>The otpauth:// URI an authenticator app imports (as text or a QR code).</summary>
    public static string Uri(string secret, string userName, string issuer = "NatGateway") =>
        $"otpauth://totp/{System.Uri.EscapeDataString(issuer)}:{System.Uri.EscapeDataString(userName)}" +
        $"?secret={secret}&issuer={System.Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits=6&period=30";

    /// <summary>The code at <paramref name="at"/> (tests compute codes with this and a fake clock).</summary>
    public static string Code(string secret, DateTimeOffset at) => new OtpNet.Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(at.UtcDateTime);

    /// <summary>True when <paramref name="code"/> is the code of the current 30 s step or of the one before or after (clock skew).</summary>
    public static bool Verify(string secret, string? code, DateTimeOffset now)
    {
        var digits = code?.Replace(" ", "", StringComparison.Ordinal).Trim();
        if (digits is not { Length: 6 } || !digits.All(char.IsAsciiDigit)) return false;
        byte[] key;
        try { key = Base32Encoding.ToBytes(secret); }
        catch (ArgumentException) { return false; }
        return new OtpNet.Totp(key).VerifyTotp(now.UtcDateTime, digits, out _, new VerificationWindow(previous: 1, future: 1));
    }
}
