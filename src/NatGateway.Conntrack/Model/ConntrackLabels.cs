namespace NatGateway.Conntrack;

/// <summary>The 128 connlabel bits (CTA_LABELS), set by `nft ... ct label set` or connlabel.conf names.
/// Bit n is byte n/8, bit n%8 of the kernel's bitmap (little-endian words on x86).</summary>
public readonly record struct ConntrackLabels(ulong Low, ulong High)
{
    public bool IsEmpty => Low == 0 && High == 0;

    public bool IsSet(int bit) => bit is >= 0 and < 64 ? (Low >> bit & 1) != 0 : bit is >= 64 and < 128 && (High >> (bit - 64) & 1) != 0;

    public IEnumerable<int> SetBits()
    {
        for (var i = 0; i < 128; i++)
            if (IsSet(i)) yield return i;
    }

    public ConntrackLabels With(int bit) => bit < 64 ? this with { Low = Low | 1UL << bit } : this with { High = High | 1UL << (bit - 64) };
}
