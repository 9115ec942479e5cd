using System.Net.Sockets;
using NatGateway.Agent.Protocol;
using NatGateway.Conntrack;

namespace NatGateway.Agent.Server;

/// <summary><c>conntrack -E</c> through the agent: events only.</summary>
public sealed class EventRelay(AgentSession session, FlowEventGroups groups) : RelayBase(session, new ConntrackListener(groups));
