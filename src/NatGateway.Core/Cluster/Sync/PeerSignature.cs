using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace NatGateway.Core.Cluster.Sync;

/// <summary>The headers a signed peer request (and its answer) carries.</summary>
public static class PeerHeaders
{
    /// <summary>Unix seconds when the request was signed.</summary>
    public const string Time = "X-Natgw-Peer-Time";
    /// <summary>128 random bits, hex: makes each request unique inside the replay window.</summary>
    public const string Nonce = "X-Natgw-Peer-Nonce";
    /// <summary>Lower-case hex HMAC-SHA256 of <see cref="PeerSignature.RequestText"/> (requests) or <see cref="PeerSignature.ResponseText"/> (answers).</summary>
    public const string Signature = "X-Natgw-Peer-Signature";
}

/// <summary>Why a signed request was refused (the answer says it; the log and the audit name it).</summary>
public enum PeerAuthFailure
{
    None,
    MissingHeaders,
    MalformedHeaders,
    /// <summary>The timestamp is outside the replay window (a replayed old request, or clocks too far apart).</summary>
    Stale,
    BadSignature,
    /// <summary>The same nonce was accepted before inside the window: a replay.</summary>
    Replayed,
}

/// <summary>
/// HMAC-SHA256 over method, path, timestamp, nonce and the body's SHA-256, keyed with the pair's shared secret; compared
/// in constant time (<see cref="CryptographicOperations.FixedTimeEquals"/>). A request is accepted once: its timestamp
/// must be within <see cref="Window"/> of this node's clock and its nonce unseen within the window. No cookie, no
/// antiforgery: the sync listener accepts nothing else. Answers are signed too (status, the request's nonce, the
/// body's hash), so a forged answer on the sync link cannot make the primary think the peer holds a revision.
/// </summary>
public sealed class PeerSignature(byte[] secret, TimeProvider clock)
{
    /// <summary>Peers' clocks may differ by this much (NTP keeps gateways far closer); older requests are replays.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    /// <summary>Bounded: a flood of valid requests cannot grow it past this (older ones are dropped, and then are stale anyway).</summary>
    private const int MaxRememberedNonces = 100_000;

    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);

    /// <summary>The text a request's signature covers: each part on its own line, the body as its SHA-256 in hex.</summary>
    public static string RequestText(string method, string pathAndQuery, long unixSeconds, string nonce, ReadOnlySpan<byte> body) =>
        string.Join('\n', "natgw-peer-request-v1", method.ToUpperInvariant(), pathAndQuery,
            unixSeconds.ToString(CultureInfo.InvariantCulture), nonce, Convert.ToHexStringLower(SHA256.HashData(body)));

    /// <summary>The text an answer's signature covers: bound to the request by its nonce.</summary>
    public static string ResponseText(int status, string requestNonce, ReadOnlySpan<byte> body) =>
        string.Join('\n', "natgw-peer-response-v1", status.ToString(CultureInfo.InvariantCulture), requestNonce,
            Convert.ToHexStringLower(SHA256.HashData(body)));

    public string Sign(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(text)));

    /// <summary>The three headers for a request: (time, nonce, signature).</summary>
    public (string Time, string Nonce, string Signature) SignRequest(string method, string pathAndQuery, ReadOnlySpan<byte> body)
    {
        var time = clock.GetUtcNow().ToUnixTimeSeconds();
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        return (time.ToString(CultureInfo.InvariantCulture), nonce, Sign(RequestText(method, pathAndQuery, time, nonce, body)));
    }

    /// <summary>Checks a request's headers and body; on success the nonce is remembered (a second use is a replay).</summary>
    public PeerAuthFailure VerifyRequest(string method, string pathAndQuery, string? time, string? nonce, string? signature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(time) || string.IsNullOrEmpty(nonce) || string.IsNullOrEmpty(signature)) return PeerAuthFailure.MissingHeaders;
        if (!long.TryParse(time, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || nonce.Length != 32 || !IsHex(nonce)
            || signature.Length != 64 || !IsHex(signature))
            return PeerAuthFailure.MalformedHeaders;
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - seconds) > (long)Window.TotalSeconds) return PeerAuthFailure.Stale;
        if (!SameSignature(Sign(RequestText(method, pathAndQuery, seconds, nonce, body)), signature)) return PeerAuthFailure.BadSignature;
        Forget(now);
        // Only a request with a valid signature reaches the nonce cache: an attacker without the secret cannot fill it.
        return _seen.TryAdd(nonce, seconds) ? PeerAuthFailure.None : PeerAuthFailure.Replayed;
    }

    /// <summary>Checks an answer's signature against the request it answers.</summary>
    public bool VerifyResponse(int status, string requestNonce, string? signature, ReadOnlySpan<byte> body) =>
        signature is { Length: 64 } && IsHex(signature) && SameSignature(Sign(ResponseText(status, requestNonce, body)), signature);

    private static bool SameSignature(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given.ToLowerInvariant()));

    private void Forget(long now)
    {
        if (_seen.Count < 1024 && now % 16 != 0) return;
        var horizon = now - 2 * (long)Window.TotalSeconds;
        foreach (var (key, at) in _seen)
            if (at < horizon || _seen.Count > MaxRememberedNonces) _seen.TryRemove(key, out _);
    }

    private static bool IsHex(string s)
    {
        foreach (var c in s)
            if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }
}
