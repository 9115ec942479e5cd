using System.Net;
using NatGateway.Nat;

namespace NatGateway.Core.Tracing;

/// <summary>The NAT hook a rule acts in: destination NAT before routing, source NAT after it.</summary>
public enum TraceHook
{
    Prerouting,
    Postrouting,
}

/// <summary>What one of our rules did with the probe.</summary>
public enum RuleStepOutcome
{
    // The first enabled rule of its hook that matches: it translates the packet.
    Matched,
    // Checked and not matching; <see cref="RuleStep.Reason"/> names the first field that differs.
    NoMatch,
    // Would match but is disabled.
    Disabled,
    // After the match of its hook: never evaluated (first match wins).
    NotReached,
}

/// <summary>One rule of the list against the probe, with a one-line reason ("input interface wan0 ≠ lan0").</summary>
public sealed record RuleStep(Guid RuleId, string RuleName, NatRuleKind Kind, TraceHook Hook, RuleStepOutcome Outcome, string Reason);

/// <summary>
/// The static answer, from the rule list in force (or a draft) and host facts, without sending anything: every rule's
/// step in list order per hook, the translation of the first match of each hook, the output interface routing chose.
/// </summary>
public sealed record StaticTrace(
    PacketProbe Probe,
    IReadOnlyList<RuleStep> Steps,
    Guid? DestinationRuleId,
    Guid? SourceRuleId,
    // The packet's destination after destination NAT (unchanged when none matched).
    IPAddress Destination,
    int DestinationPort,
    // Where routing sends it; null when there is no route (then no source NAT is evaluated).
    string? OutInterface,
    // What source NAT does, in words ("source becomes 192.0.2.7", "masquerade to the address of wan0"); null when none.
    string? SourceTranslation,
    // One line for the operator: "translated by 'web' to 10.0.0.2:80, leaves wan0 with source 192.0.2.1".
    string Summary,
    // What happens after destination NAT: forwarded out of OutInterface, delivered to the gateway itself, or dropped.
    TraceDelivery Delivery = TraceDelivery.Forwarded);

/// <summary>Where the packet goes after destination NAT and the routing decision.</summary>
public enum TraceDelivery
{
    // Routed out of an interface: the postrouting hook (source NAT) runs.
    Forwarded,
    // The (translated) destination is an address of the gateway: the input path, no postrouting hook.
    Local,
    // No route covers the destination: dropped before postrouting.
    NoRoute,
    // Routed, but forwarding is off for the family (net.ipv4.ip_forward / net.ipv6.conf.all.forwarding): dropped.
    ForwardingDisabled,
}
