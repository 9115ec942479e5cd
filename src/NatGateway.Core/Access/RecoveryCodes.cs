using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace NatGateway.Core.Access;

/// <summary>
/// Ten one-time codes that stand in for the authenticator. Each has 50 random bits, so a plain SHA-256 is enough
/// to store them (no offline guessing); the stored form is a JSON array of the hashes of the unused codes.
/// </summary>
public static class RecoveryCodes
{
    public const int Count = 10;
    private const string Alphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    public static (IReadOnlyList<string> Codes, string Stored) Generate()
    {
        var codes = new List<string>(Count);
        for (var i = 0; i < Count; i++)
        {
            var chars = new char[10];
            for (var j = 0; j < chars.Length; j++) chars[j] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            codes.Add($"{new string(chars, 0, 5)}-{new string(chars, 5, 5)}");
        }
        return (codes, JsonSerializer.Serialize(codes.Select(Hash).ToList()));
    }

    public static int Remaining(string? stored) => Parse(stored).Count;

    /// <summary>True when <paramref name="code"/> is one of the unused codes; <paramref name="remaining"/> is then the rest.</summary>
    public static bool TryUse(string? stored, string? code, out string? remaining)
    {
        remaining = stored;
        var normalized = Normalize(code);
        if (normalized.Length != 10) return false;
        var hashes = Parse(stored);
        var hash = Encoding.ASCII.GetBytes(Hash(normalized));
        var index = hashes.FindIndex(h => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(h), hash));
        if (index < 0) return false;
        hashes.RemoveAt(index);
        remaining = JsonSerializer.Serialize(hashes);
        return true;
    }

    private static List<string> Parse(string? stored)
    {
        if (string.IsNullOrEmpty(stored)) return [];
        try { return JsonSerializer.Deserialize<List<string>>(stored) ?? []; }
        catch (JsonException) { return []; }
    }

    private static string Normalize(string? code) =>
        new((code ?? "").Where(c => c != '-' && !char.IsWhiteSpace(c)).Select(char.ToLowerInvariant).ToArray());

    private static string Hash(string code) => Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(Normalize(code)))).ToLowerInvariant();
}
