using System.Buffers.Binary;
using System.Net;
using System.Numerics;

namespace NatGateway.Core.Tracing;

/// <summary>
/// <c>jhash ip saddr mod N seed S</c> as the kernel computes it, so the static tracer can name the backend a source-hash
/// load balancer picks. nft_jhash_eval() (net/netfilter/nft_hash.c): <c>reciprocal_scale(jhash(data, len, seed), modulus)</c>
/// (+ offset, which we never set); jhash() is Bob Jenkins' lookup3 as include/linux/jhash.h has it: 12-byte blocks read
/// as host-order (little-endian on x86/arm64) words, the tail added byte by byte, <c>__jhash_final</c>. The address is
/// the payload's bytes as they are on the wire (4 for IPv4, 16 for IPv6). The seed is the one we give in the rule
/// (nft_jhash_init() takes NFTA_HASH_SEED as given).
/// </summary>
public static class SourceHash
{
    private const uint InitValue = 0xdeadbeef; // JHASH_INITVAL

    public static uint Value(IPAddress source, uint seed, uint modulus) =>
        (uint)(((ulong)Jhash(source.GetAddressBytes(), seed) * modulus) >> 32); // reciprocal_scale()

    public static uint Jhash(ReadOnlySpan<byte> key, uint initval)
    {
        uint a, b, c;
        a = b = c = InitValue + (uint)key.Length + initval;
        var length = key.Length;
        while (length > 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(key);
            b += BinaryPrimitives.ReadUInt32LittleEndian(key[4..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(key[8..]);
            Mix(ref a, ref b, ref c);
            length -= 12;
            key = key[12..];
        }
        // The tail switch falls through from the length down to 1; length 0 returns c without the final mix.
        if (length == 0) return c;
        if (length >= 12) c += (uint)key[11] << 24;
        if (length >= 11) c += (uint)key[10] << 16;
        if (length >= 10) c += (uint)key[9] << 8;
        if (length >= 9) c += key[8];
        if (length >= 8) b += (uint)key[7] << 24;
        if (length >= 7) b += (uint)key[6] << 16;
        if (length >= 6) b += (uint)key[5] << 8;
        if (length >= 5) b += key[4];
        if (length >= 4) a += (uint)key[3] << 24;
        if (length >= 3) a += (uint)key[2] << 16;
        if (length >= 2) a += (uint)key[1] << 8;
        a += key[0];
        Final(ref a, ref b, ref c);
        return c;
    }

    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= BitOperations.RotateLeft(c, 4); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 6); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 8); b += a;
        a -= c; a ^= BitOperations.RotateLeft(c, 16); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 19); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 4); b += a;
    }

    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= BitOperations.RotateLeft(b, 14);
        a ^= c; a -= BitOperations.RotateLeft(c, 11);
        b ^= a; b -= BitOperations.RotateLeft(a, 25);
        c ^= b; c -= BitOperations.RotateLeft(b, 16);
        a ^= c; a -= BitOperations.RotateLeft(c, 4);
        b ^= a; b -= BitOperations.RotateLeft(a, 14);
        c ^= b; c -= BitOperations.RotateLeft(b, 24);
    }
}
