using System.Security.Cryptography;

namespace NatGateway.Nat;

/// <summary>
/// Random (version 4) GUIDs, as <see cref="Guid.NewGuid"/> makes them, drawn from the system's CSPRNG 256 at a time.
/// On Linux, Guid.NewGuid costs one read of /dev/urandom per call (libSystem.Native's
/// SystemNative_GetCryptographicallySecureRandomBytes, built without arc4random), and every rule record constructed
/// draws a default <see cref="NatRule.Id"/>, which a parse of 10,000 rules then replaces (issue 12).
/// </summary>
public static class RandomGuid
{
    private const int PerDraw = 256;
    [ThreadStatic] private static byte[]? t_pool;
    [ThreadStatic] private static int t_next;

    public static Guid New()
    {
        var pool = t_pool ??= new byte[PerDraw * 16];
        if (t_next == 0) RandomNumberGenerator.Fill(pool);
        var bytes = pool.AsSpan(t_next * 16, 16);
        t_next = (t_next + 1) % PerDraw;
        // RFC 9562 §4.1–4.2 in Guid's byte order (the first three fields little-endian): version 4 in the high nibble of
        // time_hi_and_version's high byte, variant 10 in the top bits of clock_seq_hi.
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }
}
