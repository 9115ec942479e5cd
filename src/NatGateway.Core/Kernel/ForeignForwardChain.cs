namespace NatGateway.Core.Kernel;

/// <summary>The families whose forward hook sees routed IPv4/IPv6 packets (netdev, bridge and arp tables never do).</summary>
public enum ForeignTableFamily
{
    Ip,
    Ip6,
    Inet,
}

/// <summary>A base chain's policy: what happens to a packet no rule decided on.</summary>
public enum ForeignChainPolicy
{
    Accept,
    Drop,
}

/// <summary>What a foreign rule does with a packet all of its matches accept.</summary>
public enum ForeignVerdict
{
    /// <summary>No verdict statement (counter, log, mark...): the packet goes on to the next rule.</summary>
    Continue,
    Accept,
    Drop,
    Reject,
    /// <summary>jump/goto/return and anything else that needs the rest of the ruleset to say where the packet ends.</summary>
    Other,
}

/// <summary>The selectors of a foreign rule that lint can judge; every other selector is <see cref="Unknown"/>.</summary>
public enum ForeignMatchField
{
    Unknown,
    /// <summary><c>meta l4proto</c>, <c>ip protocol</c>, <c>ip6 nexthdr</c>, and the protocol a <c>tcp dport</c> implies.</summary>
    L4Protocol,
    SourceAddress,
    DestinationAddress,
    /// <summary><c>tcp/udp/th dport</c>.</summary>
    DestinationPort,
    InInterface,
    OutInterface,
    /// <summary><c>ct state</c>: new, established, related, invalid, untracked.</summary>
    CtState,
    /// <summary><c>ct status</c>: dnat, snat, confirmed, ...</summary>
    CtStatus,
}

/// <summary>
/// One selector of a foreign rule: the field, whether it is negated (<c>!=</c>), and the values it compares with as nft
/// writes them (an address, "10.0.0.0/24", "10.0.0.1-10.0.0.9", a port "80" or "1000-2000", a name, a state).
/// <see cref="Text"/> is the expression as nft's JSON gave it, for the operator.
/// </summary>
public sealed record ForeignMatch(ForeignMatchField Field, bool Negated, IReadOnlyList<string> Values, string Text);

/// <summary>A rule of a foreign chain: its handle (<c>nft -a list ruleset</c>), selectors and verdict.</summary>
public sealed record ForeignRule(long Handle, IReadOnlyList<ForeignMatch> Matches, ForeignVerdict Verdict);

/// <summary>
/// A base chain hooked at <c>forward</c> in a table that is not NatGateway's (<c>table inet filter</c> of the distribution,
/// a firewall manager's table...): what lint reads to tell whether our forwards get through. Read only, never changed.
/// </summary>
public sealed record ForeignForwardChain(
    ForeignTableFamily Family,
    string Table,
    string Chain,
    int Priority,
    ForeignChainPolicy Policy,
    IReadOnlyList<ForeignRule> Rules)
{
    /// <summary>As nft names it: <c>table inet filter chain forward</c>.</summary>
    public string Label => $"table {Family.ToString().ToLowerInvariant()} {Table} chain {Chain}";
}
