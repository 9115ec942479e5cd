namespace NatGateway.Capacity.Model;

/// <summary>
/// Size of the <c>struct nf_ct_ext</c> allocation for a set of extensions on x86_64, kernel ≥ 5.19
/// (net/netfilter/nf_conntrack_extend.c): a 16-byte header (u8 offset[10], u8 len, u32 gen_id), then each
/// extension at an 8-byte aligned offset; nf_ct_ext_add() krealloc()s to max(len, NF_CT_EXT_PREALLOC = 128),
/// so any non-empty set costs at least a kmalloc-128 object, and an entry with no extension costs nothing extra.
/// Verified on 6.18 by filling a namespace: no extension → 0; acct → kmalloc-128; acct+tstamp+ecache+helper (144) → kmalloc-192.
/// </summary>
public static class ConntrackExtensionLayout
{
    /// <summary>sizeof(struct nf_ct_ext) with NF_CT_EXT_NUM = 10: offset[10] + len + pad + gen_id, data aligned to 8.</summary>
    public const int HeaderBytes = 16;
    /// <summary>__alignof__(struct nf_ct_ext): every extension starts 8-byte aligned.</summary>
    public const int Alignment = 8;
    /// <summary>NF_CT_EXT_PREALLOC: the minimum allocation, sized so the common extensions never need a second krealloc.</summary>
    public const int PreallocBytes = 128;

    /// <summary>sizeof() of each extension struct on x86_64 (pointers and longs are 8 bytes).</summary>
    public static int StructSize(ConntrackExtensions extension) => extension switch
    {
        // helper pointer 8 + hlist_head expectations 8 + u8 expecting[4] (padded to 8) + char data[32] __aligned(8)
        ConntrackExtensions.Helper => 56,
        // union nf_conntrack_nat_help (pptp: 2 × __be16) + int masq_index
        ConntrackExtensions.Nat => 8,
        // struct nf_ct_seqadj seq[2], each u32 correction_pos + s32 offset_before + s32 offset_after
        ConntrackExtensions.Seqadj => 24,
        // struct nf_conn_counter counter[2], each atomic64_t packets + atomic64_t bytes
        ConntrackExtensions.Acct => 32,
        // unsigned long cache + u16 ctmask + u16 expmask + u32 missed + u32 portid, padded to 8
        ConntrackExtensions.Ecache => 24,
        // u64 start + u64 stop
        ConntrackExtensions.Tstamp => 16,
        // struct nf_ct_timeout __rcu *timeout
        ConntrackExtensions.Timeout => 8,
        // unsigned long bits[NF_CT_LABELS_MAX_SIZE / sizeof(long)] = 128 bits
        ConntrackExtensions.Labels => 16,
        // u32 isn + u32 its + u32 tsoff
        ConntrackExtensions.Synproxy => 12,
        // int ifindex[IP_CT_DIR_MAX]
        ConntrackExtensions.ActCt => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(extension), extension, "a single extension is expected"),
    };

    /// <summary>The individual extensions of a set, in enum order.</summary>
    public static IEnumerable<ConntrackExtensions> Members(ConntrackExtensions set) =>
        Enum.GetValues<ConntrackExtensions>().Where(e => e != ConntrackExtensions.None && set.HasFlag(e));

    /// <summary>
    /// Bytes the extension area needs (header + each struct at an aligned offset), 0 for an empty set.
    /// Slightly conservative: the last struct's tail padding is counted too, which only matters for synproxy (12 bytes),
    /// and synproxy is always added first.
    /// </summary>
    public static int UsedBytes(ConntrackExtensions set)
    {
        var members = Members(set).ToList();
        if (members.Count == 0) return 0;
        return HeaderBytes + members.Sum(e => AlignUp(StructSize(e), Alignment));
    }

    /// <summary>Bytes requested from kmalloc for the set: max(used, 128), or 0 when no extension is present (ct->ext stays NULL).</summary>
    public static int RequestedBytes(ConntrackExtensions set)
    {
        var used = UsedBytes(set);
        return used == 0 ? 0 : Math.Max(used, PreallocBytes);
    }

    internal static int AlignUp(int value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
