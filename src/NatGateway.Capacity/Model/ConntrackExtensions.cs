namespace NatGateway.Capacity.Model;

/// <summary>
/// The conntrack extensions (enum nf_ct_ext_id in include/net/netfilter/nf_conntrack_extend.h).
/// Each one adds its struct to the entry's separately allocated <c>struct nf_ct_ext</c> area.
/// </summary>
[Flags]
public enum ConntrackExtensions
{
    None = 0,
    /// <summary>NF_CT_EXT_HELPER, struct nf_conn_help: an ALG helper (ftp, sip, tftp...) is attached (<c>ct helper set</c>).</summary>
    Helper = 1 << 0,
    /// <summary>NF_CT_EXT_NAT, struct nf_conn_nat: added by masquerade (remembers the interface) and NAT helpers; plain snat/dnat need none.</summary>
    Nat = 1 << 1,
    /// <summary>NF_CT_EXT_SEQADJ, struct nf_conn_seqadj: TCP sequence adjustment when a NAT helper rewrites payload.</summary>
    Seqadj = 1 << 2,
    /// <summary>NF_CT_EXT_ACCT, struct nf_conn_acct: packet/byte counters when net.netfilter.nf_conntrack_acct=1.</summary>
    Acct = 1 << 3,
    /// <summary>NF_CT_EXT_ECACHE, struct nf_conntrack_ecache: event cache when nf_conntrack_events=1, or =2 (default) while a ctnetlink listener (<c>conntrack -E</c>) exists.</summary>
    Ecache = 1 << 4,
    /// <summary>NF_CT_EXT_TSTAMP, struct nf_conn_tstamp: start/stop times when nf_conntrack_timestamp=1.</summary>
    Tstamp = 1 << 5,
    /// <summary>NF_CT_EXT_TIMEOUT, struct nf_conn_timeout: a custom timeout policy (<c>ct timeout set</c>).</summary>
    Timeout = 1 << 6,
    /// <summary>NF_CT_EXT_LABELS, struct nf_conn_labels: connlabels in use (<c>ct label set</c>).</summary>
    Labels = 1 << 7,
    /// <summary>NF_CT_EXT_SYNPROXY, struct nf_conn_synproxy: SYN proxy.</summary>
    Synproxy = 1 << 8,
    /// <summary>NF_CT_EXT_ACT_CT, struct nf_conn_act_ct_ext: tc act_ct.</summary>
    ActCt = 1 << 9,
}
