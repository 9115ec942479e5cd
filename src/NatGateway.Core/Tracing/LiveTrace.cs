namespace NatGateway.Core.Tracing;

/// <summary>nft trace event type (enum nft_trace_types, include/uapi/linux/netfilter/nf_tables.h).</summary>
public enum TraceEventKind
{
    Rule,
    Return,
    Policy,
}

/// <summary>The verdict a trace event reports (NF_ACCEPT/NF_DROP/NF_QUEUE/NF_STOLEN and NFT_CONTINUE/JUMP/GOTO/RETURN/BREAK).</summary>
public enum TraceVerdict
{
    Continue,
    Accept,
    Drop,
    Queue,
    Stolen,
    Jump,
    Goto,
    Return,
    Break,
    // NF_REPEAT: the hook is called again (rare; nft prints "repeat").
    Repeat,
}

/// <summary>One step of a traced packet through a chain of any table (ours or foreign), from NFNLGRP_NFTRACE.</summary>
public sealed record TraceHop(
    string Family,
    string Table,
    string Chain,
    TraceEventKind Kind,
    ulong? RuleHandle,
    // The rule as <c>nft list</c> shows it, when it could be looked up (read only: foreign tables are never changed).
    string? RuleText,
    TraceVerdict Verdict,
    // The chain jumped to (verdict jump/goto).
    string? JumpTarget,
    // A table NatGateway owns.
    bool OurTable,
    // The NAT rule behind the hop (from the rule's comment), in our tables only.
    Guid? RuleId);

/// <summary>Every hop of one traced packet (one trace id), in order.</summary>
public sealed record TracedPacket(uint TraceId, string? InInterface, string? OutInterface, IReadOnlyList<TraceHop> Hops);

/// <summary>What the kernel reported while the trace was armed. <see cref="Truncated"/>: the capture stopped at its packet
/// limit before the window ended, so packets after those were not collected.</summary>
public sealed record LiveTrace(PacketProbe Probe, TimeSpan Window, IReadOnlyList<TracedPacket> Packets, bool Truncated);

/// <summary>Why live tracing was refused: not possible here at all, or another trace is running now.</summary>
public enum TraceRefusal
{
    // No nftrace support, no privileges, no agent: retrying does not help (HTTP 501).
    Unavailable,
    // One trace at a time: another is armed now; retry after it ends (HTTP 409).
    Busy,
}

/// <summary>Live tracing is not possible here (no nftrace support, no agent, a trace already running); the reason says which.</summary>
public sealed class TraceUnavailableException(string reason, TraceRefusal refusal = TraceRefusal.Unavailable) : Exception(reason)
{
    public TraceRefusal Refusal { get; } = refusal;
}
